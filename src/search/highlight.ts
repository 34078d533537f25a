import { findMatches, type Match } from './matches.js';

/**
 * Snippets with matched words marked. Pure. The passage text is escaped
 * first and the <mark> tags inserted after, so stored text can never become
 * markup.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The window of about `maxChars` holding the most matches, cut at spaces. */
function bestWindow(text: string, matches: Match[], maxChars: number): { start: number; end: number } {
  if (text.length <= maxChars) return { start: 0, end: text.length };
  let best = { start: 0, count: -1 };
  for (let i = 0; i < matches.length; i++) {
    const start = Math.max(0, matches[i]!.start - Math.floor(maxChars / 5));
    let count = 0;
    for (let j = i; j < matches.length && matches[j]!.end <= start + maxChars; j++) count++;
    if (count > best.count) best = { start, count };
  }
  let start = best.start;
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space >= 0 && space < start + 30 ? space + 1 : start;
  }
  let end = Math.min(text.length, start + maxChars);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    end = space > start ? space : end;
  }
  return { start, end };
}

/**
 * An HTML snippet of `text`: escaped, matched words wrapped in <mark>, cut to
 * the best window with an ellipsis where text was left out.
 */
export function snippet(text: string, stems: Set<string>, phrases: string[][] = [], maxChars = 320): string {
  const matches = findMatches(text, stems, phrases);
  const { start, end } = bestWindow(text, matches, maxChars);
  let html = start > 0 ? '… ' : '';
  let at = start;
  for (const m of matches) {
    if (m.end <= start || m.start >= end) continue;
    const s = Math.max(m.start, start);
    const e = Math.min(m.end, end);
    html += escapeHtml(text.slice(at, s)) + '<mark>' + escapeHtml(text.slice(s, e)) + '</mark>';
    at = e;
  }
  html += escapeHtml(text.slice(at, end));
  if (end < text.length) html += ' …';
  return html.replace(/\n+/g, ' ');
}
