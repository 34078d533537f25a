import { stemmer } from 'stemmer';
import { eng } from 'stopword';

/**
 * A user's search text, parsed. Pure. Nothing the user types reaches FTS5's
 * MATCH as syntax: every word and "quoted phrase" becomes a quoted string,
 * so AND, NEAR, -, :, * and unbalanced quotes are just text.
 */
export interface ParsedQuery {
  /** Lower-cased words outside phrases, stop words removed (unless nothing else is left). */
  words: string[];
  /** Quoted phrases, as word lists. */
  phrases: string[][];
  /** Porter stems of every query word (phrases included), for highlighting and sentence scoring. */
  stems: Set<string>;
}

/**
 * English stop words, plus the words that frame a question to this product
 * ("what did we say about …") and carry no subject.
 */
const STOP = new Set([
  ...eng,
  'say',
  'said',
  'says',
  'tell',
  'told',
  'mention',
  'mentioned',
  'talk',
  'talked',
  'wrote',
  'written',
  'anything',
  'something',
]);
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

export function normaliseWord(word: string): string {
  // Most words are plain ASCII: skip Unicode decomposition for them.
  const folded = /^[\x00-\x7f]*$/.test(word) ? word : word.normalize('NFKD').replace(/\p{M}+/gu, '');
  return folded
    .toLowerCase()
    .replace(/['’]s$/, '')
    .replace(/['’]/g, '');
}

const STEMS = new Map<string, string>();
const MAX_CACHED_STEMS = 100_000;

/** The Porter stem of a word (cached: snippets stem every word of every result). */
export function stemOf(word: string): string {
  let stem = STEMS.get(word);
  if (stem === undefined) {
    stem = stemmer(normaliseWord(word));
    if (STEMS.size >= MAX_CACHED_STEMS) STEMS.clear();
    STEMS.set(word, stem);
  }
  return stem;
}

export function wordsOf(text: string): string[] {
  return (text.match(WORD) ?? []).map(normaliseWord).filter(Boolean);
}

export function parseQuery(raw: string): ParsedQuery {
  // Compatibility forms and decomposed accents as the documents store them (NFKC at ingest).
  const input = /^[\x00-\x7f]*$/.test(raw) ? raw : raw.normalize('NFKC');
  const phrases: string[][] = [];
  let rest = '';
  const re = /"([^"]*)"/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(input)) !== null) {
    rest += input.slice(last, m.index) + ' ';
    const words = wordsOf(m[1]!);
    if (words.length > 1) phrases.push(words);
    else rest += words.join(' ') + ' ';
    last = m.index + m[0].length;
  }
  rest += input.slice(last).replace(/"/g, ' ');
  const all = [...new Set(wordsOf(rest))];
  const content = all.filter((w) => !STOP.has(w));
  const words = content.length || phrases.length ? content : all;
  const stems = new Set([...words, ...phrases.flat()].map((w) => stemmer(w)));
  return { words, phrases, stems };
}

/** An FTS5 expression matching any of the words or phrases, or null when there is nothing to match. */
export function toFtsQuery(q: ParsedQuery, operator: 'OR' | 'AND' = 'OR'): string | null {
  const parts = [...q.words.map((w) => `"${w}"`), ...q.phrases.map((p) => `"${p.join(' ')}"`)];
  return parts.length ? parts.join(` ${operator} `) : null;
}
