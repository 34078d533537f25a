import type { Citation, Repeated } from '../api/responses.js';
import type { IngestResult } from '../../ingest/results.js';

/** The CLI's English: dates, quotes, notes. Pure. */
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "10 March 2015" from "2015-03-10". */
export function longDate(iso: string | null): string | null {
  if (!iso) return null;
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${MONTHS[m! - 1]} ${y}`;
}

/** "March 2015" from "2015-03". */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m! - 1]} ${y}`;
}

/** A quotation ready to paste: "…" (Title, 10 March 2015, p. 3). */
export function quoteWithCitation(text: string, c: Citation): string {
  const parts = [c.title, longDate(c.date), c.page ? `p. ${c.page}` : null].filter(Boolean);
  return `“${text}” (${parts.join(', ')})`;
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
  if (r.status === 'failed')
    return `${status} ${r.source_id}\n          ${r.error?.message}\n          ${r.error?.hint}`;
  return `${status} [${r.document_id}] ${r.title} (${r.kind}, ${r.published_at ?? 'undated'}) ${r.passages} passages`;
}
