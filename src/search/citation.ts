import type { Citation, Repeated } from '../api/responses.js';
import type { PassageRecord } from '../store/types.js';
import { webUrl } from '../text/web-url.js';
import { passageUrl, rawUrl, repeatsUrl } from '../urls.js';

/** Where a passage's text recurs, or null when it is in one document only. Pure. */
export function repeatedOf(r: PassageRecord, standingMinDocuments: number): Repeated | null {
  if (r.repeat_documents === null) return null;
  return {
    documents: r.repeat_documents,
    passages: r.repeat_passages ?? r.repeat_documents,
    first: r.repeat_first,
    last: r.repeat_last,
    standing: r.repeat_documents >= standingMinDocuments,
    url: repeatsUrl(r.id),
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
    url: passageUrl(r.doc_id, r.id),
    raw_url: rawUrl(r.doc_id, r.page),
    attached_to:
      r.parent_id !== null && r.parent_title !== null ? { document_id: r.parent_id, title: r.parent_title } : null,
    ocr: ocrOf(r),
  };
}

/** The recognition confidence of the passage's page, when its text came from a scan. */
function ocrOf(r: PassageRecord): { confidence: number } | null {
  if (!r.ocr_pages || r.page === null) return null;
  try {
    const confidence = (JSON.parse(r.ocr_pages) as Record<string, number>)[String(r.page)];
    return typeof confidence === 'number' ? { confidence } : null;
  } catch {
    return null;
  }
}
