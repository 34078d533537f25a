import type { Citation } from './types.js';
import type { DocumentKind } from '../store/types.js';

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
}

export const PASSAGE_RECORD_SQL = `
  SELECT p.id, p.doc_id, p.text, p.start, p."end", p.page, p.section, d.title, d.published_at, d.kind,
         d.source_url, d.file_name, d.mime, d.parent_id, parent.title AS parent_title
  FROM passages p
  JOIN documents d ON d.id = p.doc_id
  LEFT JOIN documents parent ON parent.id = d.parent_id`;

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
    source: r.source_url ?? r.file_name,
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
