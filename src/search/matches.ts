import { tick, type Meter } from '../text/meter.js';
import { ASCII, normaliseWord, stemOf, WORD } from '../text/terms.js';

/**
 * Where a query's words are in a text: the spans that snippets mark, and
 * whether a passage has the words at all (asked of every candidate a search
 * shows or holds back, so it must be cheap). Pure.
 *
 * A word matches when its Porter stem is one of the query's stems. Porter
 * changes only the ends of words, and never a word's first two letters (it
 * leaves words of two letters alone; it can change the third: "pay" is
 * "pai", "use" is "us"), so a word can have a stem only if it starts with
 * the stem's first two letters (or the whole stem, if shorter): most words
 * are ruled out by that before they are stemmed. Plain ASCII text
 * is scanned a character at a time with no string made for a word until its
 * first letters fit; other text goes through the word pattern.
 */
export interface Match {
  start: number;
  end: number;
}

/** What a word must begin with (lower case) to have one of the stems: each stem's first two letters. */
interface Prefixes {
  strings: Set<string>;
  /** The same for ASCII words, as numbers, so no string is made to look one up. */
  codes: Set<number>;
  /** The lengths of the prefixes (1 or 2), longest first. */
  lengths: number[];
}

const PREFIX = 2;
const PREFIXES = new WeakMap<Set<string>, Prefixes>();

function prefixesOf(stems: Set<string>): Prefixes {
  let p = PREFIXES.get(stems);
  if (!p) {
    const strings = new Set([...stems].map((s) => s.slice(0, PREFIX)).filter(Boolean));
    const codes = new Set<number>();
    for (const s of strings) if (ASCII.test(s)) codes.add(codeOf(s, 0, s.length));
    const lengths = [...new Set([...strings].map((s) => s.length))].sort((a, b) => b - a);
    p = { strings, codes, lengths };
    PREFIXES.set(stems, p);
  }
  return p;
}

/** A few ASCII characters, lower-cased, as one number (its length included). */
function codeOf(text: string, start: number, length: number): number {
  let code = length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(start + i);
    code = code * 128 + (c >= 65 && c <= 90 ? c + 32 : c);
  }
  return code;
}

const isAlnum = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** Whether a word (text[start, end)) begins with a prefix of the stems: the test made before it is stemmed. */
function mayMatch(text: string, start: number, end: number, p: Prefixes, ascii: boolean): boolean {
  let plain = ascii;
  if (ascii) for (let i = start; i < Math.min(end, start + PREFIX); i++) if (text.charCodeAt(i) === 39) plain = false;
  if (plain) {
    for (const n of p.lengths) if (n <= end - start && p.codes.has(codeOf(text, start, n))) return true;
    return false;
  }
  // Folding (accents, ligatures, apostrophes) can change a word's first letters: compare its normal form.
  const norm = normaliseWord(text.slice(start, end));
  return p.lengths.some((n) => p.strings.has(norm.slice(0, n)));
}

/**
 * Calls `visit` with each word of `text` (its span and whether its stem is
 * one of `stems`) in order, until `visit` returns true. A word that cannot
 * match is passed without being cut out of the text. The meter counts the
 * characters passed over.
 */
function scan(
  text: string,
  stems: Set<string>,
  visit: (start: number, end: number, matched: boolean) => boolean | void,
  meter?: Meter,
): void {
  const p = prefixesOf(stems);
  const matches = (start: number, end: number, ascii: boolean) =>
    mayMatch(text, start, end, p, ascii) && stems.has(stemOf(text.slice(start, end)));
  if (!ASCII.test(text)) {
    for (const m of text.matchAll(WORD)) {
      const start = m.index!;
      const end = start + m[0].length;
      tick(meter, m[0].length);
      if (visit(start, end, matches(start, end, false))) return;
    }
    return;
  }
  // The word pattern, for ASCII: letters and digits, then at most one apostrophe followed by letters.
  const n = text.length;
  let i = 0;
  while (i < n) {
    const from = i;
    while (i < n && !isAlnum(text.charCodeAt(i))) i++;
    tick(meter, i - from);
    if (i >= n) return;
    const start = i;
    while (i < n && isAlnum(text.charCodeAt(i))) i++;
    if (i + 1 < n && text.charCodeAt(i) === 39 && isLetter(text.charCodeAt(i + 1))) {
      i += 2;
      while (i < n && isLetter(text.charCodeAt(i))) i++;
    }
    tick(meter, i - start);
    if (visit(start, i, matches(start, i, true))) return;
  }
}

/** Whether `text` has a word whose stem is one of `stems` (a parsed query's stems include its phrases' words). */
export function hasMatch(text: string, stems: Set<string>): boolean {
  if (!stems.size) return false;
  let found = false;
  scan(text, stems, (_s, _e, matched) => (found = matched));
  return found;
}

const SPACE = /^\s+$/;

/** Marked words in order become spans; a marked word after a marked word, with only spaces between, joins its span. */
function joiner(text: string, meter?: Meter) {
  const spans: Match[] = [];
  let prevMarked = false;
  return {
    spans,
    add(start: number, end: number, marked: boolean): void {
      if (marked) {
        const prev = spans[spans.length - 1];
        const gap = prev && prevMarked ? text.slice(prev.end, start) : '';
        tick(meter, gap.length);
        if (gap && SPACE.test(gap)) prev!.end = end;
        else spans.push({ start, end });
      }
      prevMarked = marked;
    },
  };
}

/** Spans of the words in `text` whose stem is one of `stems`, or that form one of `phrases`; adjacent ones joined. */
export function findMatches(text: string, stems: Set<string>, phrases: string[][] = [], meter?: Meter): Match[] {
  if (phrases.length) return withPhrases(text, stems, phrases, meter);
  const out = joiner(text, meter);
  if (stems.size) scan(text, stems, (start, end, matched) => out.add(start, end, matched), meter);
  return out.spans;
}

/** Phrases need every word's normal form beside it: the whole list of words is made. */
function withPhrases(text: string, stems: Set<string>, phrases: string[][], meter?: Meter): Match[] {
  const words: { start: number; end: number; matched: boolean; norm: string }[] = [];
  const visit = (start: number, end: number, matched: boolean) => {
    words.push({ start, end, matched, norm: normaliseWord(text.slice(start, end)) });
  };
  scan(text, stems, visit, meter);
  for (const phrase of phrases) {
    for (let i = 0; i + phrase.length <= words.length; i++) {
      tick(meter, phrase.length);
      if (phrase.every((w, j) => words[i + j]!.norm === w))
        for (let j = 0; j < phrase.length; j++) words[i + j]!.matched = true;
    }
  }
  const out = joiner(text, meter);
  for (const w of words) out.add(w.start, w.end, w.matched);
  return out.spans;
}
