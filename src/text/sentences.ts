import { tick, type Meter } from './meter.js';

/**
 * Sentence boundaries in English prose, as character spans. Used by the
 * splitter (long paragraphs) and the extractive answer. Pure and linear:
 * one pass over the text, and every look back or ahead is bounded, so no
 * input (a run of 100,000 full stops, say) makes it slower than its length.
 */
export interface Span {
  start: number;
  end: number;
}

const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'cllr',
  'st',
  'rev',
  'sr',
  'jr',
  'no',
  'nos',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'cf',
  'al',
  'approx',
  'dept',
  'est',
  'fig',
  'inc',
  'ltd',
  'co',
  'vol',
  'pp',
  'p',
  'para',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);
/** Longer than any abbreviation above: a look back stops here. */
const MAX_ABBREVIATION = 8;

const isTerminator = (c: string | undefined) => c === '.' || c === '!' || c === '?';
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']']);
const isCloser = (c: string | undefined) => c !== undefined && CLOSERS.has(c);
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
const isLower = (c: string | undefined) => c !== undefined && /\p{Ll}/u.test(c);
const isLetter = (c: string | undefined) => c !== undefined && /\p{L}/u.test(c);
const isUpper = (c: string | undefined) => c !== undefined && /\p{Lu}/u.test(c);

/**
 * Splits text[from, to) into sentence spans. Each span starts at a
 * non-space character and ends after the sentence's closing punctuation (and
 * any closing quote or bracket); whitespace between sentences is left out.
 * A boundary is a run of . ! ? (then closers) followed by whitespace or the
 * end, not after an abbreviation or an initial, and not before a lower-case
 * word on the same line.
 */
export function sentenceSpans(text: string, from = 0, to = text.length, meter?: Meter): Span[] {
  const spans: Span[] = [];
  let start = skipSpace(text, from, to, meter);
  let i = start;
  while (i < to) {
    tick(meter);
    if (!isTerminator(text[i])) {
      i++;
      continue;
    }
    let end = i;
    while (end < to && isTerminator(text[end])) end++;
    while (end < to && isCloser(text[end])) end++;
    tick(meter, end - i);
    if (
      (end === to || isSpace(text[end])) &&
      !isAbbreviation(text, start, i, meter) &&
      nextStartsSentence(text, end, to, meter)
    ) {
      spans.push({ start, end });
      start = skipSpace(text, end, to, meter);
      i = start;
      continue;
    }
    i = end;
  }
  if (start < to) {
    const end = trimEnd(text, start, to, meter);
    if (end > start) spans.push({ start, end });
  }
  return spans;
}

function skipSpace(text: string, i: number, to: number, meter?: Meter): number {
  const from = i;
  while (i < to && isSpace(text[i])) i++;
  tick(meter, i - from);
  return i;
}

function trimEnd(text: string, start: number, end: number, meter?: Meter): number {
  const from = end;
  while (end > start && isSpace(text[end - 1])) end--;
  tick(meter, from - end);
  return end;
}

/** The word before a full stop is a known abbreviation or a single initial (looking back a few characters at most). */
function isAbbreviation(text: string, sentenceStart: number, dotIndex: number, meter?: Meter): boolean {
  if (text[dotIndex] !== '.') return false;
  let i = dotIndex;
  while (i > sentenceStart && dotIndex - i <= MAX_ABBREVIATION && (isLetter(text[i - 1]) || text[i - 1] === '.')) i--;
  tick(meter, dotIndex - i);
  if (dotIndex - i > MAX_ABBREVIATION) return false;
  const word = text.slice(i, dotIndex).toLowerCase();
  if (word.length === 1 && isUpper(text[i])) return true; // an initial: "P. Leeson"
  return ABBREVIATIONS.has(word);
}

/** What follows the punctuation can open a sentence (not a lower-case word on the same line). */
function nextStartsSentence(text: string, end: number, to: number, meter?: Meter): boolean {
  let i = end;
  let newline = false;
  while (i < to && isSpace(text[i])) {
    if (text[i] === '\n') newline = true;
    i++;
  }
  tick(meter, i - end);
  if (i >= to || newline) return true;
  return !isLower(text[i]);
}
