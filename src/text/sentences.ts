/**
 * Sentence boundaries in English prose, as character spans. Used by the
 * splitter (long paragraphs) and the extractive answer. Pure.
 */
export interface Span {
  start: number;
  end: number;
}

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'cllr', 'st', 'rev', 'sr', 'jr', 'no', 'nos', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'al',
  'approx', 'dept', 'est', 'fig', 'inc', 'ltd', 'co', 'vol', 'pp', 'p', 'para', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul',
  'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

/**
 * Splits text[from, to) into sentence spans. Each span starts at a
 * non-space character and ends after the sentence's closing punctuation (and
 * any closing quote or bracket); whitespace between sentences is left out.
 */
export function sentenceSpans(text: string, from = 0, to = text.length): Span[] {
  const spans: Span[] = [];
  const boundary = /[.!?]+["'”’)\]]*(?=\s+|$)/g;
  boundary.lastIndex = from;
  let start = skipSpace(text, from, to);
  let m: RegExpExecArray | null;
  while (start < to && (m = boundary.exec(text)) !== null) {
    const end = m.index + m[0].length;
    if (end > to) break;
    if (isAbbreviation(text, start, m.index) || !nextStartsSentence(text, end, to)) continue;
    if (end > start) spans.push({ start, end });
    start = skipSpace(text, end, to);
    boundary.lastIndex = start;
  }
  if (start < to) {
    const end = trimEnd(text, start, to);
    if (end > start) spans.push({ start, end });
  }
  return spans;
}

function skipSpace(text: string, i: number, to: number): number {
  while (i < to && /\s/.test(text[i]!)) i++;
  return i;
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end;
}

/** The word before a full stop is a known abbreviation or a single initial. */
function isAbbreviation(text: string, sentenceStart: number, dotIndex: number): boolean {
  if (text[dotIndex] !== '.') return false;
  let i = dotIndex;
  while (i > sentenceStart && /[\p{L}.]/u.test(text[i - 1]!)) i--;
  const word = text.slice(i, dotIndex).toLowerCase();
  if (word.length === 1 && /\p{Lu}/u.test(text[i]!)) return true; // an initial: "P. Leeson"
  return ABBREVIATIONS.has(word);
}

/** What follows the punctuation can open a sentence (not a lowercase word). */
function nextStartsSentence(text: string, end: number, to: number): boolean {
  const i = skipSpace(text, end, to);
  if (i >= to) return true;
  if (/\n/.test(text.slice(end, i))) return true;
  return !/\p{Ll}/u.test(text[i]!);
}
