import type { Block } from './document.js';

/**
 * Text normalisation, pure: unify whitespace, drop page chrome, remove
 * hyphenation at line ends, rejoin sentences a page scrape broke across
 * blank lines, and find headings in plain text.
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
const TERMINAL = /[.!?:;…]["'”’)\]]*$/;

/** Whitespace unified inside a line: NBSP, tabs and runs of spaces become one space. */
export function cleanLine(line: string): string {
  return line
    .replace(/[\u00ad\u200b\u200c\u200d\ufeff]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
    .replace(/[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g, ' ')
    .trim();
}

export function isChrome(text: string): boolean {
  return CHROME.some((re) => re.test(text.trim()));
}

/**
 * Joins the lines of one paragraph. A line ending in a hyphen after a
 * lower-case letter, followed by a lower-case word, is a broken word
 * ("manip-" + "ulation"). List items keep their own line.
 */
export function joinLines(lines: string[]): string {
  let out = '';
  for (const raw of lines) {
    const line = cleanLine(raw);
    if (!line) continue;
    if (!out) { out = line; continue; }
    if (/\p{Ll}-$/u.test(out) && /^\p{Ll}/u.test(line)) out = out.slice(0, -1) + line;
    else if (BULLET.test(line)) out += '\n' + line;
    else out += ' ' + line;
  }
  return out;
}

/** Splits plain text into paragraphs at blank lines. */
export function paragraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t\u00a0]*\n/)
    .map((p) => joinLines(p.split('\n')))
    .filter((p) => p.length > 0);
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** A short line with no closing punctuation, opening with a capital or a number. */
export function looksLikeHeading(text: string, maxWords = 12): boolean {
  if (text.includes('\n')) return false;
  const words = wordCount(text);
  if (words === 0 || words > maxWords) return false;
  if (TERMINAL.test(text) || /,$/.test(text)) return false;
  if (BULLET.test(text) && !/^\d+(\.\d+)*\s/.test(text)) return false;
  if (/^(dear|hi|hello|best wishes|kind regards|regards|yours)\b/i.test(text)) return false;
  return /^[\p{Lu}\p{N}]/u.test(text);
}

/**
 * Paragraph text into blocks: a heading-like line followed by a substantial
 * paragraph becomes a heading. Blocks carry the page they came from.
 */
export function classifyBlocks(paras: string[], page?: number): Block[] {
  return paras.map((text, i) => {
    const next = paras[i + 1];
    const heading = next !== undefined && looksLikeHeading(text) && wordCount(next) >= 12 && !/^\p{Ll}/u.test(next);
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
 * whitespace unified, page chrome dropped, and a paragraph that stops
 * mid-sentence joined to the next one when that starts in lower case
 * ("We have had a" / "productive time…"), on the same page.
 */
export function normaliseBlocks(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const block of blocks) {
    const text = block.text
      .split('\n')
      .map(cleanLine)
      .filter(Boolean)
      .join('\n');
    if (!text || isChrome(text)) continue;
    const prev = out[out.length - 1];
    if (
      prev &&
      prev.kind === 'paragraph' &&
      block.kind === 'paragraph' &&
      prev.page === block.page &&
      !TERMINAL.test(prev.text) &&
      /^\p{Ll}/u.test(text)
    ) {
      prev.text = /\p{Ll}-$/u.test(prev.text) ? prev.text.slice(0, -1) + text : `${prev.text} ${text}`;
      continue;
    }
    out.push({ ...block, text });
  }
  return out;
}
