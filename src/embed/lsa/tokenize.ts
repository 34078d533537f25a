import { stemmer } from 'stemmer';
import { eng } from 'stopword';
import { isQuestionWord } from '../../text/stop-words.js';

/**
 * Terms for the built-in embedder: lower case, accents folded, English
 * stop words dropped, Porter-stemmed (as FTS5's porter tokenizer does). Pure.
 */
const STOP = new Set(eng);

/** Terms of a query: the same, without the words that frame a question ("what did we say about …"). */
export function queryTerms(text: string): string[] {
  return terms(text, true);
}

export function terms(text: string, question = false): string[] {
  const out: string[] = [];
  const words =
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const w of words) {
    if (w.length < 2 || STOP.has(w) || (question && isQuestionWord(w)) || (/^\d+$/.test(w) && w.length < 4)) continue;
    out.push(stemmer(w));
  }
  return out;
}
