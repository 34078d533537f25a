import { stemmer } from 'stemmer';

/**
 * Words as search sees them: lower case, accents folded, a final 's
 * dropped, apostrophes removed; and their Porter stems (as FTS5's porter
 * tokenizer makes them). Pure.
 */
/** A word: letters and digits, then at most one apostrophe followed by letters. */
export const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

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

export const ASCII = /^[\x00-\x7f]*$/;

/**
 * The Porter stems of a text's words: wordsOf(text).map(stemOf), faster for
 * plain ASCII text (lower-cased once, apostrophes handled only where there
 * are any), which is what indexing and scoring passages spend their time on.
 */
export function stemsOf(text: string): string[] {
  if (!ASCII.test(text)) return wordsOf(text).map(stemOf);
  const words = text.toLowerCase().match(WORD);
  if (!words) return [];
  const out: string[] = [];
  for (let w of words) {
    if (w.includes("'")) w = w.replace(/'s$/, '').replace(/'/g, '');
    if (w) out.push(stemOf(w));
  }
  return out;
}
