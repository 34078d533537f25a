import { sentenceSpans, type Span } from '../src/text/sentences.js';
import { countWords, fingerprint } from '../src/text/words.js';
import type { NewPassage } from '../src/store/types.js';
import type { PlacedBlock } from './assemble.js';

export interface SplitOptions {
  minWords: number;
  targetWords: number;
  maxWords: number;
}

export const DEFAULT_SPLIT: SplitOptions = { minWords: 80, targetWords: 180, maxWords: 300 };

/** A piece that is never cut: a heading, a paragraph, a sentence or a run of words. */
interface Unit extends Span {
  words: number;
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
 * never crosses a PDF page, starts a new section at a heading (unless what it
 * holds so far is a scrap), prefers to end at a paragraph once it reaches the
 * target size, and never exceeds the maximum. Long paragraphs are cut at
 * sentences, over-long sentences between words. Every passage is a slice of
 * `text`: text.slice(start, end) === passage.text. Blocks listed in
 * `repeated` (indexes into `blocks`: text that recurs in other documents,
 * such as a sign-off) form a passage each, with no section unless a heading
 * leads into them, so the same words make the same passage, with the same
 * fingerprint, wherever they appear. Pure.
 */
export function split(text: string, blocks: PlacedBlock[], options: SplitOptions = DEFAULT_SPLIT, repeated: ReadonlySet<number> = new Set()): NewPassage[] {
  const units = toUnits(text, blocks, options, repeated);
  const groups: Unit[][] = [];
  let current: Unit[] = [];
  let words = 0;
  const flush = () => {
    if (current.length) groups.push(current);
    current = [];
    words = 0;
  };
  for (const unit of units) {
    if (current.length) {
      const last = current[current.length - 1]!;
      const pageChange = unit.page !== last.page;
      // Each repeated block is a passage of its own (a lone heading may lead into it).
      const repeatChange = (unit.repeated !== last.repeated || (unit.repeated && unit.blockStart)) && !(unit.repeated && last.heading && current.length === 1);
      const newSection = unit.heading && !last.heading && words >= options.minWords / 2;
      const overMax = words + unit.words > options.maxWords;
      // Prefer a paragraph boundary once the target is reached; inside a long
      // paragraph, cut at a sentence half-way between target and maximum.
      const fill = unit.blockStart ? options.targetWords : (options.targetWords + options.maxWords) / 2;
      const atTarget = words >= fill && !last.heading;
      if (pageChange || repeatChange || newSection || overMax || atTarget) flush();
    }
    current.push(unit);
    words += unit.words;
  }
  flush();
  mergeShortTail(groups, options);
  return groups.map((group) => toPassage(text, group));
}

function toPassage(text: string, group: Unit[]): NewPassage {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const passageText = text.slice(first.start, last.end);
  const content = group.find((u) => !u.heading) ?? first;
  return {
    text: passageText,
    start: first.start,
    end: last.end,
    page: first.page,
    // Repeated text belongs to no section of this document (a sign-off is not part of the last item).
    section: first.heading ? first.section : content.repeated ? null : content.section,
    fingerprint: fingerprint(passageText),
    tokens: countWords(passageText),
  };
}

/** A last passage that is a scrap joins the one before it when they share page and room allows. */
function mergeShortTail(groups: Unit[][], options: SplitOptions): void {
  for (let i = groups.length - 1; i > 0; i--) {
    const group = groups[i]!;
    const prev = groups[i - 1]!;
    const words = sum(group);
    if (words >= options.minWords / 2 || group[0]!.heading) continue;
    if (group.some((u) => u.repeated) || prev.some((u) => u.repeated)) continue;
    if (group[0]!.page !== prev[0]!.page || words + sum(prev) > options.maxWords) continue;
    prev.push(...group);
    groups.splice(i, 1);
  }
}

function sum(units: Unit[]): number {
  return units.reduce((n, u) => n + u.words, 0);
}

function toUnits(text: string, blocks: PlacedBlock[], options: SplitOptions, repeated: ReadonlySet<number>): Unit[] {
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
    const spans = pieces(text, block, options.maxWords, options.targetWords);
    spans.forEach((span, i) => {
      units.push({ ...span, ...base, words: countWords(text.slice(span.start, span.end)), blockStart: i === 0 });
    });
  }
  return units;
}

/** A block as one piece, or cut at sentences, or at whitespace, to fit maxWords. */
function pieces(text: string, block: PlacedBlock, maxWords: number, targetWords: number): Span[] {
  if (countWords(text.slice(block.start, block.end)) <= maxWords) return [{ start: block.start, end: block.end }];
  const out: Span[] = [];
  for (const sentence of sentenceSpans(text, block.start, block.end)) {
    if (countWords(text.slice(sentence.start, sentence.end)) <= maxWords) out.push(sentence);
    else out.push(...wordWindows(text, sentence, Math.min(targetWords, maxWords)));
  }
  return out;
}

/** Cuts a span into runs of at most `size` words, at whitespace. */
function wordWindows(text: string, span: Span, size: number): Span[] {
  const out: Span[] = [];
  const re = /\S+/g;
  re.lastIndex = span.start;
  let start = -1;
  let end = span.start;
  let n = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m.index < span.end) {
    if (start < 0) start = m.index;
    end = Math.min(m.index + m[0].length, span.end);
    if (++n === size) {
      out.push({ start, end });
      start = -1;
      n = 0;
    }
  }
  if (start >= 0) out.push({ start, end });
  return out;
}
