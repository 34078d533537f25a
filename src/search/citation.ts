import type { Citation, Repeated } from './types.js';
import type { DocumentKind } from '../store/types.js';
import { webUrl } from '../text/web-url.js';

/** A passage joined with its document: what a citation is made from. */
export interface PassageRecord {
  id: number;
  doc_id: number;
  text: string;
  start: number;
  end: number;
  page: number | null;
  section: string | null;
  title: string;
  published_at: string | null;
  kind: DocumentKind;
  source_url: string | null;
  file_name: string;
  mime: string;
  parent_id: number | null;
  parent_title: string | null;
  fingerprint: string;
  /** From repeated_text: null when the text is in one document only. */
  repeat_documents: number | null;
  repeat_passages: number | null;
  repeat_first: string | null;
  repeat_last: string | null;
}

export const PASSAGE_RECORD_SQL = `
  SELECT p.id, p.doc_id, p.text, p.start, p."end", p.page, p.section, d.title, d.published_at, d.kind,
         d.source_url, d.file_name, d.mime, d.parent_id, parent.title AS parent_title, p.fingerprint,
         r.documents AS repeat_documents, r.passages AS repeat_passages, r.first_date AS repeat_first, r.last_date AS repeat_last
  FROM passages p
  JOIN documents d ON d.id = p.doc_id
  LEFT JOIN documents parent ON parent.id = d.parent_id
  LEFT JOIN repeated_text r ON r.fingerprint = p.fingerprint`;

/** Where a passage's text recurs, or null when it is in one document only. Pure. */
export function repeatedOf(r: PassageRecord, standingMinDocuments: number): Repeated | null {
  if (r.repeat_documents === null) return null;
  return {
    documents: r.repeat_documents,
    passages: r.repeat_passages ?? r.repeat_documents,
    first: r.repeat_first,
    last: r.repeat_last,
    standing: r.repeat_documents >= standingMinDocuments,
    url: `/api/passages/${r.id}/repeats`,
  };
}

/** The citation of a passage. Pure. */
export function citationOf(r: PassageRecord): Citation {
  return {
    document_id: r.doc_id,
    title: r.title,
    date: r.published_at,
    page: r.page,
    section: r.section,
    start: r.start,
    end: r.end,
    kind: r.kind,
    source: webUrl(r.source_url) ?? r.file_name,
    url: `/documents/${r.doc_id}?passage=${r.id}#passage-${r.id}`,
    raw_url: `/api/documents/${r.doc_id}/raw${r.page ? `#page=${r.page}` : ''}`,
    attached_to: r.parent_id !== null && r.parent_title !== null ? { document_id: r.parent_id, title: r.parent_title } : null,
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "10 March 2015" from "2015-03-10". */
export function longDate(iso: string | null): string | null {
  if (!iso) return null;
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${MONTHS[m! - 1]} ${y}`;
}

/** A quotation ready to paste: "…" (Title, 10 March 2015, p. 3). */
export function quoteWithCitation(text: string, c: Citation): string {
  const parts = [c.title, longDate(c.date), c.page ? `p. ${c.page}` : null].filter(Boolean);
  return `“${text}” (${parts.join(', ')})`;
}

/** "March 2015" from "2015-03". */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m! - 1]} ${y}`;
}

/** "Also in 12 documents, 9 January 2024 to 14 January 2025 (standing text)". */
export function repeatNote(r: Repeated): string {
  const span = r.first && r.last ? (r.first === r.last ? `, ${longDate(r.first)}` : `, ${longDate(r.first)} to ${longDate(r.last)}`) : '';
  return `Same words in ${r.documents} documents${span}${r.standing ? ' (standing text)' : ''}`;
}
