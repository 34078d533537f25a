import { cannotBeHeading, isContentsLine } from './line-kinds.js';
import type { Block } from './document.js';
import { tick, type Meter } from '../src/text/meter.js';

/**
 * Text normalisation, pure and linear in its input: unify whitespace and
 * compatibility forms (NFKC: ligatures, full-width letters), drop page
 * chrome, remove hyphenation at line ends, rejoin sentences a page scrape
 * broke across blank lines, and find headings in plain text. Joins build
 * arrays of pieces and only ever look at the last piece, so a million short
 * lines cost a million steps, not a million squared.
 */

/** Page furniture that scrapes carry along and nobody searches for. */
const CHROME = [
  /^skip to (main )?content$/i,
  /^back to top$/i,
  /^print this page$/i,
  /^share this page$/i,
  /^(menu|search|close)$/i,
];

const BULLET = /^(?:[•●▪◦‣∙·*–-]|\(?[a-z0-9]{1,3}[.)])\s+/i;
/** Closing punctuation looked for at most this far from the end of a text. */
const TAIL = 32;

/**
 * Whitespace unified inside a line: NBSP, tabs and runs of spaces become one space; compatibility forms folded (NFKC).
 */
export function cleanLine(line: string): string {
  const folded = /^[\x00-\x7f]*$/.test(line) ? line : line.normalize('NFKC');
  return folded
    .replace(/[\u00ad\u200b\u200c\u200d\ufeff]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
    .replace(/[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g, ' ')
    .trim();
}

export function isChrome(text: string): boolean {
  if (text.length > 40) return false;
  return CHROME.some((re) => re.test(text.trim()));
}

/**
 * The text ends a sentence or clause: . ! ? : ; or … then any closing quotes or brackets (looking at its tail only).
 */
export function endsTerminal(text: string): boolean {
  let i = text.length - 1;
  const stop = Math.max(0, text.length - TAIL);
  while (i >= stop && /["'”’)\]]/.test(text[i]!)) i--;
  return i >= 0 && /[.!?:;…]/.test(text[i] ?? '');
}

/** The text ends in a hyphen after a lower-case letter ("manip-"). */
function endsBrokenWord(text: string): boolean {
  return text.endsWith('-') && /\p{Ll}-$/u.test(text.slice(-3));
}

const startsLower = (text: string) => /^\p{Ll}/u.test(text);

/**
 * Joins the lines of one paragraph. A line ending in a hyphen after a
 * lower-case letter, followed by a lower-case word, is a broken word
 * ("manip-" + "ulation"). List items keep their own line.
 */
export function joinLines(lines: string[], meter?: Meter): string {
  const pieces: string[] = [];
  for (const raw of lines) {
    tick(meter, raw.length + 1);
    const line = cleanLine(raw);
    if (!line) continue;
    const last = pieces[pieces.length - 1];
    if (last === undefined) pieces.push(line);
    else if (endsBrokenWord(last) && startsLower(line)) {
      pieces[pieces.length - 1] = last.slice(0, -1);
      pieces.push(line);
    } else pieces.push(BULLET.test(line) ? '\n' : ' ', line);
  }
  return pieces.join('');
}

/** Splits plain text into paragraphs at blank lines. */
export function paragraphs(text: string, meter?: Meter): string[] {
  tick(meter, text.length);
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t\u00a0]*\n/)
    .map((p) => joinLines(p.split('\n'), meter))
    .filter((p) => p.length > 0);
}

/** Words in a text, counting no further than `limit` (a heading test needs no more). */
function wordCount(text: string, limit = Infinity): number {
  let n = 0;
  for (const _ of text.matchAll(/\S+/g)) if (++n > limit) break;
  return n;
}

/** A short line with no closing punctuation, opening with a capital or a number. */
export function looksLikeHeading(text: string, maxWords = 12): boolean {
  if (text.includes('\n')) return false;
  const words = wordCount(text, maxWords);
  if (words === 0 || words > maxWords) return false;
  if (endsTerminal(text) || text.endsWith(',')) return false;
  if (BULLET.test(text) && !/^\d+(\.\d+)*\s/.test(text)) return false;
  if (/^(dear|hi|hello|best wishes|kind regards|regards|yours)\b/i.test(text)) return false;
  if (cannotBeHeading(text)) return false;
  return /^[\p{Lu}\p{N}]/u.test(text);
}

/**
 * Paragraph text into blocks: a heading-like line followed by a substantial
 * paragraph becomes a heading. Blocks carry the page they came from.
 */
export function classifyBlocks(paras: string[], page?: number): Block[] {
  return paras.map((text, i) => {
    const next = paras[i + 1];
    const heading = next !== undefined && looksLikeHeading(text) && wordCount(next, 12) >= 12 && !startsLower(next);
    const block: Block = heading ? { kind: 'heading', text, level: headingLevel(text) } : { kind: 'paragraph', text };
    if (page !== undefined) block.page = page;
    return block;
  });
}

/** "2.1 Naming" is a level-2 heading; unnumbered headings are level 1. */
export function headingLevel(text: string): number {
  const m = /^(\d+(?:\.\d+)*)\.?\s/.exec(text);
  return m ? Math.min(6, m[1]!.split('.').length) : 1;
}

/**
 * The clean-up every document gets once its loader has produced blocks:
 * whitespace unified, page chrome and contents lines (dot leaders) dropped, and a paragraph that stops
 * mid-sentence joined to the next one when that starts in lower case
 * ("We have had a" / "productive time…"), on the same page.
 */
export function normaliseBlocks(blocks: Block[], meter?: Meter): Block[] {
  const out: { block: Block; pieces: string[] }[] = [];
  for (const block of blocks) {
    tick(meter, block.text.length + 1);
    const lines: string[] = [];
    for (const line of block.text.split('\n')) {
      const clean = cleanLine(line);
      if (clean && !isContentsLine(clean)) lines.push(clean);
    }
    const text = lines.join('\n');
    if (!text || isChrome(text)) continue;
    const prev = out[out.length - 1];
    const tail = prev?.pieces[prev.pieces.length - 1];
    if (
      prev &&
      tail !== undefined &&
      prev.block.kind === 'paragraph' &&
      block.kind === 'paragraph' &&
      prev.block.page === block.page &&
      !endsTerminal(tail) &&
      startsLower(text)
    ) {
      if (endsBrokenWord(tail)) prev.pieces[prev.pieces.length - 1] = tail.slice(0, -1);
      else prev.pieces.push(' ');
      prev.pieces.push(text);
      continue;
    }
    out.push({ block, pieces: [text] });
  }
  return out.map(({ block, pieces }) => ({ ...block, text: pieces.join('') }));
}
