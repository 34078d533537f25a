import type { Citation, Hit } from '../api/responses.js';
import { citationOf } from './citation.js';
import { blobToVector } from '../vector/codec.js';
import type { Searcher } from './searcher.js';

/**
 * The passages nearest in meaning to a stored passage, in other documents,
 * leaving out copies of its own text and collapsing repeated text among
 * them. Null when the passage does not exist.
 */
export function similar(searcher: Searcher, passageId: number, k: number, perDoc = 1): Hit[] | null {
  const { store } = searcher.parts;
  const source = searcher.hits.records([passageId]).get(passageId);
  if (!source) return null;
  const model = store.meta.embedder()?.id;
  if (!model || !searcher.parts.index()) return [];
  const blob = store.embeddings.vectorOf(passageId, model);
  if (!blob) return [];
  const excluded = new Set(store.passages.sameDocumentOrText(source.doc_id, source.fingerprint));
  const ranked = searcher.semantic.nearest(blobToVector(blob), Math.max(50, k * 10), {}, (id) => !excluded.has(id));
  return searcher.hits.page(searcher.hits.collapse(ranked, 'collapse'), k, perDoc, null).hits;
}

/** Every passage with the same text as this one, oldest document first (null: no such passage). */
export function repeatsOf(
  searcher: Searcher,
  passageId: number,
  limit: number,
): { total: number; results: Hit[] } | null {
  const source = searcher.hits.records([passageId]).get(passageId);
  if (!source) return null;
  const ids = searcher.parts.store.passages.repeatsOf(source.fingerprint, limit);
  const records = searcher.hits.records(ids);
  const results = ids.flatMap((id) => {
    const rec = records.get(id);
    return rec ? [searcher.hits.hit(rec, 0, null, true, 'words')] : [];
  });
  return { total: source.repeat_passages ?? 1, results };
}

/** A passage to quote: its words and its citation. */
export interface Quote {
  passage_id: number;
  text: string;
  citation: Citation;
}

/** The passages of these ids that still exist, with their citations, in the order given. */
export function quotesOf(searcher: Searcher, ids: number[]): Quote[] {
  const records = searcher.hits.records(ids);
  return ids.flatMap((id) => {
    const rec = records.get(id);
    return rec ? [{ passage_id: id, text: rec.text, citation: citationOf(rec) }] : [];
  });
}
