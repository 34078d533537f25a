import type { Citation, Repeated } from '../api/responses.js';
import type { IngestResult } from '../../ingest/results.js';

/** The CLI's English: dates, quotes, notes. Pure. */
export { longDate, MONTHS } from '../text/dates.js';
import { longDate, MONTHS } from '../text/dates.js';

/** "March 2015" from "2015-03". */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m! - 1]} ${y}`;
}

/**
 * A quotation ready to paste: "…" (Title, 10 March 2015, p. 3); the date
 * only when the title does not carry it; and a warning line when the text
 * was recognised from a scan, to check against the original before quoting.
 */
export function quoteWithCitation(text: string, c: Citation): string {
  const date = longDate(c.date);
  const parts = [c.title, date && !c.title.includes(date) ? date : null, c.page ? `p. ${c.page}` : null];
  const quote = `“${text}” (${parts.filter(Boolean).join(', ')})`;
  return c.ocr ? `${quote}\n   ${scanNote(c.ocr.confidence)}` : quote;
}

/** "Text recognised from a scan (confidence 87%): check the original before quoting." */
export function scanNote(confidence: number): string {
  return `Text recognised from a scan (confidence ${confidence}%): check the original before quoting.`;
}

/** "Same words in 12 documents, 9 January 2024 to 14 January 2025 (standing text)". */
export function repeatNote(r: Repeated): string {
  const span =
    r.first && r.last
      ? r.first === r.last
        ? `, ${longDate(r.first)}`
        : `, ${longDate(r.first)} to ${longDate(r.last)}`
      : '';
  return `Same words in ${r.documents} documents${span}${r.standing ? ' (standing text)' : ''}`;
}

/** One line (or three, for a failure) per ingested document. */
export function ingestLine(r: IngestResult): string {
  const status = r.status.padEnd(9);
  if (r.status === 'failed' || r.status === 'skipped')
    return `${status} ${r.source_id}\n          ${r.error?.message}\n          ${r.error?.hint}`;
  const ocr = r.ocr
    ? `\n          ${r.ocr.pages} page${r.ocr.pages === 1 ? '' : 's'} recognised from a scan ` +
      `(confidence ${r.ocr.confidence}%)` +
      r.ocr.unreadable.map((u) => `\n          page ${u.page} not read: ${u.reason}`).join('')
    : '';
  const notes = (r.notes ?? []).map((n) => `\n          ${n}`).join('');
  return (
    `${status} [${r.document_id}] ${r.title} (${r.kind}, ${r.published_at ?? 'undated'}) ${r.passages} passages` +
    ocr +
    notes
  );
}
