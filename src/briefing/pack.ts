import type { Citation } from '../api/responses.js';
import { KbError } from '../errors.js';
import { longDate } from '../text/dates.js';

/**
 * A briefing pack: quotes chosen by a briefing writer, in their order, each
 * with a note and its citation, ready for a Word briefing. Pure: the
 * passages are looked up by the caller.
 */
export interface PackRequest {
  title: string;
  items: { passage_id: number; note?: string; text?: string }[];
}

/** A stored passage, as a pack reads it. */
export interface QuotedPassage {
  text: string;
  citation: Citation;
}

export interface PackEntry {
  n: number;
  passageId: number;
  /** The words quoted: the passage as stored, or the sentences chosen from it; null when the passage is gone. */
  words: string | null;
  note: string | null;
  citation: Citation | null;
  /** How the source is cited, ready to paste (or why it cannot be). */
  source: string;
  link: string | null;
}

export interface Pack {
  title: string;
  entries: PackEntry[];
}

/**
 * How a UK council briefing cites a source: the document's title (in
 * quotation marks), the date unless the title carries it, the page of a
 * PDF, the section; then the link — the live page for a web document,
 * else the stored copy at its page.
 */
export function sourceLine(c: Citation): string {
  const date = longDate(c.date);
  const parts = [`‘${c.title}’`];
  if (date && !c.title.includes(date)) parts.push(date);
  if (c.page) parts.push(`p. ${c.page}`);
  if (c.section && c.section !== c.title) parts.push(`section ‘${c.section}’`);
  if (c.ocr) parts.push(`text recognised from a scan (confidence ${c.ocr.confidence}%)`);
  return parts.join(', ');
}

export function linkOf(c: Citation, base: string): string {
  return /^https?:\/\//.test(c.source) ? c.source : new URL(c.raw_url, base).href;
}

/**
 * The pack's entries in the order given. A chosen `text` must be the
 * passage's own words (else the request is refused: a quote is never
 * altered); a passage that no longer exists stays in the pack with a note
 * saying so.
 */
export function buildPack(req: PackRequest, passages: Map<number, QuotedPassage>, base: string): Pack {
  const entries = req.items.map((item, i): PackEntry => {
    const found = passages.get(item.passage_id);
    const note = item.note?.trim() || null;
    if (!found)
      return {
        n: i + 1,
        passageId: item.passage_id,
        words: null,
        note,
        citation: null,
        source: `Passage ${item.passage_id} is no longer in the knowledge base (its document was changed or removed).`,
        link: null,
      };
    const chosen = item.text?.trim();
    if (chosen && !squash(found.text).includes(squash(chosen)))
      throw new KbError('INVALID_REQUEST', {
        detail:
          `items[${i}].text is not the words of passage ${item.passage_id}: ` +
          "a quote must be the passage's own words",
      });
    return {
      n: i + 1,
      passageId: item.passage_id,
      words: chosen || found.text,
      note,
      citation: found.citation,
      source: sourceLine(found.citation),
      link: linkOf(found.citation, base),
    };
  });
  return { title: req.title.trim() || 'Briefing', entries };
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The pack as Markdown: the title, then each quote, its note and its source. */
export function toMarkdown(pack: Pack): string {
  const out = [`# ${pack.title}`, ''];
  for (const e of pack.entries) {
    if (e.words === null) out.push(`${e.n}. *${e.source}*`);
    else {
      const quote = squash(e.words).replace(/([\\`*_[\]])/g, '\\$1');
      out.push(`${e.n}. “${quote}”`, '', `   Source: ${e.source}. <${e.link}>`);
    }
    if (e.note) out.push('', `   Note: ${e.note}`);
    out.push('');
  }
  return out.join('\n');
}

/** A file name for the pack: its title, in safe characters. */
export function packFileName(pack: Pack, format: 'md' | 'docx'): string {
  const base =
    pack.title
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80) || 'briefing';
  return `${base}.${format}`;
}
