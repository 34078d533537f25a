import type { Block } from '../document.js';
import { cannotBeHeading, isContentsLine } from '../line-kinds.js';
import { cleanLine, headingLevel, joinLines } from '../normalise.js';
import { tick, type Meter } from '../../src/text/meter.js';

/**
 * PDF page text (lines, no paragraph marks) into blocks. Pure.
 * - Running headers and footers (a line repeated at the top or bottom of many
 *   pages, page numbers aside), bare page numbers and contents lines (dot
 *   leaders) are dropped.
 * - Lines are grouped into paragraphs at bullets, headings, and short lines
 *   that end a sentence; hyphenation at line ends is removed.
 */
/** The first line of the first page: where a PDF without a Title property shows its title. */
export function firstLine(pages: string[]): string | undefined {
  for (const page of pages) {
    const line = page.split('\n').map(cleanLine).find(Boolean);
    if (line) return line.split(/\s+/).length <= 20 ? line : undefined;
  }
  return undefined;
}

export function pdfPagesToBlocks(pages: string[], meter?: Meter): Block[] {
  const lines = pages.map((p) => {
    tick(meter, p.length);
    return p
      .split('\n')
      .map(cleanLine)
      .filter((line) => line && !isContentsLine(line));
  });
  const running = runningLines(lines);
  const offset = pageNumberOffset(lines);
  const blocks: Block[] = [];
  lines.forEach((pageLines, i) => {
    const kept = stripEdges(pageLines, running, offset === null ? null : i + 1 - offset);
    for (const b of linesToBlocks(kept, i + 1, meter)) blocks.push(b);
  });
  return blocks;
}

/** A line's shape with numbers blanked, so "Page 3 of 9" matches "Page 4 of 9". */
function shape(line: string): string {
  return line.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ');
}

const EDGE_LINES = 2;
const PAGE_NUMBER = /^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,6})(?:\s*(?:of|\/)\s*\d{1,4})?$/i;

/** Shapes that recur at a page edge on at least a fifth of the pages (and at least three). */
function runningLines(pages: string[][]): Set<string> {
  const counts = new Map<string, number>();
  for (const lines of pages) {
    const edge = new Set([...lines.slice(0, EDGE_LINES), ...lines.slice(-EDGE_LINES)].map(shape));
    for (const s of edge) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const threshold = Math.max(3, Math.ceil(pages.length / 5));
  return new Set([...counts].filter(([, n]) => n >= threshold).map(([s]) => s));
}

/**
 * The number a header or footer line ends with ("Chapter 2: Naming 4"), if
 * short enough to be one. A leading number is not taken: it is far more
 * often a numbered heading ("1 Introduction") than a page number.
 */
function edgeNumber(line: string): number | null {
  if (line.split(/\s+/).length > 12) return null;
  const m = /(?:^|\s)(\d{1,4})$/.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * Printed page numbers usually differ from PDF page numbers by a constant
 * (front matter): the offset shared by the numbers at the page edges of at
 * least three pages and a fifth of them, or null.
 */
function pageNumberOffset(pages: string[][]): number | null {
  const counts = new Map<number, number>();
  pages.forEach((lines, i) => {
    const offsets = new Set<number>();
    for (const line of [...lines.slice(0, EDGE_LINES), ...lines.slice(-EDGE_LINES)]) {
      const n = edgeNumber(line);
      if (n !== null) offsets.add(i + 1 - n);
    }
    for (const o of offsets) counts.set(o, (counts.get(o) ?? 0) + 1);
  });
  let best: [number, number] | null = null;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best && best[1] >= Math.max(3, Math.ceil(pages.length / 5)) ? best[0] : null;
}

function stripEdges(lines: string[], running: Set<string>, printedPage: number | null): string[] {
  const isFurniture = (line: string) =>
    running.has(shape(line)) || PAGE_NUMBER.test(line) || (printedPage !== null && edgeNumber(line) === printedPage);
  let start = 0;
  let end = lines.length;
  while (start < end && start < EDGE_LINES && isFurniture(lines[start]!)) start++;
  while (end > start && lines.length - end < EDGE_LINES && isFurniture(lines[end - 1]!)) end--;
  return lines.slice(start, end);
}

const BULLET = /^(?:[•●▪◦‣∙·*–-]|\(?[a-z0-9]{1,3}[.)])\s+/i;
const SENTENCE_END = /[.!?:;]["'”’)\]]*$/;
const NUMBERED_HEADING = /^\d+(?:\.\d+)*\.?\s+\p{Lu}/u;

function isHeadingLine(line: string, prev: string | undefined, typical: number): boolean {
  const words = line.split(/\s+/).length;
  if (words <= 10 && NUMBERED_HEADING.test(line) && /[?]$/.test(line)) return true;
  if (words > 10 || SENTENCE_END.test(line) || /,$/.test(line) || (BULLET.test(line) && !NUMBERED_HEADING.test(line)))
    return false;
  if (!/^[\p{Lu}\p{N}]/u.test(line) || cannotBeHeading(line)) return false;
  const afterBreak = prev === undefined || SENTENCE_END.test(prev) || prev.length < typical * 0.6;
  return afterBreak && (NUMBERED_HEADING.test(line) || line.length < typical * 0.6);
}

function linesToBlocks(lines: string[], page: number, meter?: Meter): Block[] {
  const lengths = lines.map((l) => l.length).sort((a, b) => a - b);
  const typical = lengths[Math.floor(lengths.length * 0.9)] ?? 80;
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    const text = joinLines(para, meter);
    if (text) blocks.push({ kind: 'paragraph', text, page });
    para = [];
  };
  lines.forEach((line, i) => {
    const prev = para[para.length - 1];
    const next = lines[i + 1];
    if (
      isHeadingLine(line, prev ?? (i === 0 ? undefined : lines[i - 1]), typical) &&
      next !== undefined &&
      !/^\p{Ll}/u.test(next)
    ) {
      flush();
      blocks.push({ kind: 'heading', text: line, level: headingLevel(line), page });
      return;
    }
    if (prev !== undefined && (BULLET.test(line) || (SENTENCE_END.test(prev) && prev.length < typical * 0.8))) flush();
    para.push(line);
  });
  flush();
  return blocks;
}
