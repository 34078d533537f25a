import type { IngestResult, IngestStatus, IngestSummary } from '../src/api/responses.js';
import { toKbError } from '../src/errors.js';
import type { DocumentRow, NewDocument } from '../src/store/types.js';

export type { IngestResult, IngestStatus, IngestSummary } from '../src/api/responses.js';

/** A document written (or found unchanged), as `kb ingest --json` reports it. */
export function success(
  doc: Pick<NewDocument, 'source_id' | 'title' | 'published_at' | 'kind' | 'passages'>,
  id: number,
  status: IngestStatus,
): IngestResult {
  return {
    source_id: doc.source_id,
    document_id: id,
    status,
    title: doc.title,
    published_at: doc.published_at,
    kind: doc.kind,
    passages: doc.passages.length,
  };
}

/** What recognition did for a document with scanned pages ({} when it had none). */
export function ocrReport(file: {
  ocrPages: Record<number, number> | null;
  unreadablePages: { page: number; reason: string }[];
}): Pick<IngestResult, 'ocr'> {
  const confidences = Object.values(file.ocrPages ?? {});
  if (!confidences.length && !file.unreadablePages.length) return {};
  const mean = confidences.length ? confidences.reduce((s, c) => s + c, 0) / confidences.length : 0;
  return { ocr: { pages: confidences.length, confidence: Math.round(mean), unreadable: file.unreadablePages } };
}

export function unchangedResult(doc: DocumentRow, passages: number): IngestResult {
  return {
    source_id: doc.source_id,
    document_id: doc.id,
    status: 'unchanged',
    title: doc.title,
    published_at: doc.published_at,
    kind: doc.kind,
    passages,
  };
}

/** A file that could not be stored (or, `skipped`, was not fetched on purpose), with the coded reason. */
export function failure(sourceId: string, err: unknown, status: 'failed' | 'skipped' = 'failed'): IngestResult {
  const error = toKbError(err);
  return {
    source_id: sourceId,
    document_id: null,
    status,
    title: null,
    published_at: null,
    kind: null,
    passages: 0,
    error: { code: error.code, message: error.message, hint: error.hint },
  };
}

export function summarise(results: IngestResult[]): IngestSummary {
  const s: IngestSummary = {
    files: results.length,
    added: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    skipped: 0,
    passages: 0,
  };
  for (const r of results) {
    s[r.status]++;
    s.passages += r.passages;
  }
  return s;
}
