import { DEFAULTS, splitOptions } from '../src/config.js';
import { tick, type Meter } from '../src/text/meter.js';
import { sentenceSpans, type Span } from '../src/text/sentences.js';
import { countWords, fingerprint } from '../src/text/words.js';
import type { NewPassage } from '../src/store/types.js';
import type { PlacedBlock } from './assemble.js';

export interface SplitOptions {
  minWords: number;
  targetWords: number;
  maxWords: number;
  /**
   * Longest passage in characters (default: 20 per word of maxWords). Text
   * with no spaces for that long (a pasted data blob, a line of dots) is cut
   * there, so no passage, and no search result, can be megabytes long.
   */
  maxChars?: number;
}

export const DEFAULT_SPLIT: SplitOptions = splitOptions(DEFAULTS);

/** Characters per word of maxWords a passage may hold at most, when maxChars is not given. */
export const CHARS_PER_WORD = 20;

export function maxCharsOf(options: SplitOptions): number {
  return options.maxChars ?? options.maxWords * CHARS_PER_WORD;
}

/** A piece that is never cut: a heading, a paragraph, a sentence or a run of words. */
interface Unit extends Span {
  words: number;
  chars: number;
  heading: boolean;
  /** First unit of its block: a paragraph boundary comes before it. */
  blockStart: boolean;
  page: number | null;
  section: string | null;
  /** Part of a block whose text recurs in other documents: kept in passages of its own. */
  repeated: boolean;
}

/**
 * Splits a document into passages that follow its structure: a passage
 * never crosses a PDF page, starts at every heading (a scrap before a heading
 * joins the passage before it), prefers to end at a paragraph once it reaches the
 * target size, and never exceeds the maximum. Long paragraphs are cut at
 * sentences, over-long sentences between words. Every passage is a slice of
 * `text`: text.slice(start, end) === passage.text. Blocks listed in
 * `repeated` (indexes into `blocks`: text that recurs in other documents,
 * such as a sign-off) form a passage each, with no section unless a heading
 * leads into them, so the same words make the same passage, with the same
 * fingerprint, wherever they appear. Pure.
 */
export function split(
  text: string,
  blocks: PlacedBlock[],
  options: SplitOptions = DEFAULT_SPLIT,
  repeated: ReadonlySet<number> = new Set(),
  meter?: Meter,
): NewPassage[] {
  const maxChars = maxCharsOf(options);
  const units = toUnits(text, blocks, options, repeated, maxChars, meter);
  const groups: Unit[][] = [];
  let current: Unit[] = [];
  let words = 0;
  let start = 0;
  const flush = () => {
    if (current.length) groups.push(current);
    current = [];
    words = 0;
  };
  for (const unit of units) {
    tick(meter);
    if (current.length) {
      const last = current[current.length - 1]!;
      const pageChange = unit.page !== last.page;
      // Each repeated block is a passage of its own (a lone heading may lead into it).
      const repeatChange =
        (unit.repeated !== last.repeated || (unit.repeated && unit.blockStart)) &&
        !(unit.repeated && last.heading && current.length === 1);
      // A heading always starts a passage, so every passage is under the heading in force over its text (a scrap
      // left before it joins the passage before, in mergeShortTails).
      const newSection = unit.heading && !last.heading;
      const overMax = words + unit.words > options.maxWords || unit.end - start > maxChars;
      // Prefer a paragraph boundary once the target is reached; inside a long
      // paragraph, cut at a sentence half-way between target and maximum.
      const fill = unit.blockStart ? options.targetWords : (options.targetWords + options.maxWords) / 2;
      const atTarget = words >= fill && !last.heading;
      if (pageChange || repeatChange || newSection || overMax || atTarget) flush();
    }
    if (!current.length) start = unit.start;
    current.push(unit);
    words += unit.words;
  }
  flush();
  return mergeShortTails(groups, options, maxChars).map((group) => {
    const passage = toPassage(text, group);
    tick(meter, passage.text.length);
    return passage;
  });
}

function toPassage(text: string, group: Unit[]): NewPassage {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const passageText = text.slice(first.start, last.end);
  const content = group.find((u) => !u.heading) ?? last;
  return {
    text: passageText,
    start: first.start,
    end: last.end,
    page: first.page,
    // The heading in force over the text (the last of a run of headings); repeated text belongs to no section of
    // this document (a sign-off is not part of the last item), unless a heading leads into it.
    section: content.repeated && !first.heading ? null : content.section,
    fingerprint: fingerprint(passageText),
    tokens: countWords(passageText),
  };
}

/**
 * A passage that is a scrap joins the one before it when they share a page
 * and room allows (working back from the end, so a scrap can absorb the
 * scraps after it). Linear: groups are merged into a new list.
 */
function mergeShortTails(groups: Unit[][], options: SplitOptions, maxChars: number): Unit[][] {
  const out: Unit[][] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const group = groups[i]!;
    const prev = groups[i - 1];
    if (prev && canMerge(prev, group, options, maxChars)) {
      groups[i - 1] = prev.concat(group);
      continue;
    }
    out.push(group);
  }
  return out.reverse();
}

function canMerge(prev: Unit[], group: Unit[], options: SplitOptions, maxChars: number): boolean {
  const words = sum(group);
  if (words >= options.minWords / 2 || group[0]!.heading) return false;
  if (group.some((u) => u.repeated) || prev.some((u) => u.repeated)) return false;
  if (group[0]!.page !== prev[0]!.page || words + sum(prev) > options.maxWords) return false;
  return group[group.length - 1]!.end - prev[0]!.start <= maxChars;
}

function sum(units: Unit[]): number {
  return units.reduce((n, u) => n + u.words, 0);
}

function toUnits(
  text: string,
  blocks: PlacedBlock[],
  options: SplitOptions,
  repeated: ReadonlySet<number>,
  maxChars: number,
  meter?: Meter,
): Unit[] {
  const units: Unit[] = [];
  const path: string[] = [];
  for (const [b, block] of blocks.entries()) {
    if (block.kind === 'heading') {
      const level = Math.max(1, block.level ?? 1);
      path.length = Math.min(path.length, level - 1);
      path.push(block.text.replace(/\s+/g, ' '));
    }
    const base = {
      heading: block.kind === 'heading',
      page: block.page ?? null,
      section: path.length ? path.join(' > ') : null,
      repeated: repeated.has(b),
    };
    const spans = pieces(text, block, options.maxWords, options.targetWords, maxChars, meter);
    spans.forEach((span, i) => {
      units.push({
        ...span,
        ...base,
        words: countWords(text.slice(span.start, span.end)),
        chars: span.end - span.start,
        blockStart: i === 0,
      });
    });
  }
  return units;
}

/** A block as one piece, or cut at sentences, or at whitespace, to fit maxWords and maxChars. */
function pieces(
  text: string,
  block: PlacedBlock,
  maxWords: number,
  targetWords: number,
  maxChars: number,
  meter?: Meter,
): Span[] {
  const fits = (span: Span) => {
    tick(meter, span.end - span.start);
    return span.end - span.start <= maxChars && countWords(text.slice(span.start, span.end)) <= maxWords;
  };
  if (fits(block)) return [{ start: block.start, end: block.end }];
  const out: Span[] = [];
  for (const sentence of sentenceSpans(text, block.start, block.end, meter)) {
    if (fits(sentence)) out.push(sentence);
    else for (const w of wordWindows(text, sentence, Math.min(targetWords, maxWords), maxChars, meter)) out.push(w);
  }
  return out;
}

/**
 * Cuts a span into runs of at most `size` words and `maxChars` characters,
 * at whitespace; a run of non-space longer than maxChars is cut at maxChars.
 */
function wordWindows(text: string, span: Span, size: number, maxChars: number, meter?: Meter): Span[] {
  const out: Span[] = [];
  const re = /\S+/g;
  re.lastIndex = span.start;
  let start = -1;
  let end = span.start;
  let n = 0;
  const close = () => {
    if (start >= 0) out.push({ start, end });
    start = -1;
    n = 0;
  };
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m.index < span.end) {
    tick(meter, m[0].length + 1);
    let at = m.index;
    const wordEnd = Math.min(m.index + m[0].length, span.end);
    if (start >= 0 && wordEnd - start > maxChars) close();
    // A "word" longer than a passage: cut it into pieces of maxChars.
    while (wordEnd - at > maxChars) {
      close();
      out.push({ start: at, end: at + maxChars });
      at += maxChars;
    }
    if (start < 0) start = at;
    end = wordEnd;
    if (++n === size) close();
  }
  close();
  return out;
}
