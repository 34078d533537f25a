import type { Logger } from '../src/log.js';
import type { Store } from '../src/store/store.js';
import type { DocumentKind, NewDocument } from '../src/store/types.js';
import { layoutPassages } from './layout.js';
import type { PreparedFile } from './prepare.js';
import { splitFirstCopies } from './resplit.js';
import { ocrReport, success, unchangedResult, type IngestResult } from './results.js';
import type { SplitOptions } from './split.js';

/** A prepared file with its identity, its bytes and its prepared attachments: what one commit writes. */
export interface PreparedTree {
  file: PreparedFile;
  raw: Uint8Array;
  sha256: string;
  sourceId: string;
  /** Kind to record instead of the detected one. */
  kind?: DocumentKind;
  /** Date to use when the file states none (an attachment takes its message's). */
  fallbackDate?: string | null;
  children: PreparedTree[];
  failed: IngestResult[];
  /** What was left unread, and why (an attached picture), said on the result. */
  notes: string[];
}

function toDocument(store: Store, t: PreparedTree, parentId: number | null, options: SplitOptions): NewDocument {
  const f = t.file;
  return {
    source_id: t.sourceId,
    sha256: t.sha256,
    kind: t.kind ?? f.kind,
    mime: f.mime,
    title: f.title,
    published_at: f.published_at ?? t.fallbackDate ?? null,
    author: f.author,
    source_url: f.source_url,
    file_name: f.fileName,
    parent_id: parentId,
    pages: f.pages,
    ocr_pages: f.ocrPages ? JSON.stringify(f.ocrPages) : null,
    bytes: t.raw.length,
    text: f.text,
    ...layoutPassages(store.documents, t.sourceId, f.text, f.blocks, f.fingerprints, options),
  };
}

/**
 * Writes a prepared document and its attachments in one IMMEDIATE
 * transaction: the originals, the document (replacing the one with the same
 * identity, keeping its id and the ids of unchanged passages), its
 * attachments (an attachment no longer carried is deleted), and new splits
 * of documents that now share a paragraph with it. A file whose bytes were
 * stored by another run meanwhile is reported unchanged and nothing is
 * written (unless forced: what came with the file changed). Originals the
 * write released are removed after it (sweep).
 */
export function commit(
  store: Store,
  tree: PreparedTree,
  options: SplitOptions,
  log: Logger,
  how: { keepOriginals?: boolean; force?: boolean } = {},
): IngestResult[] {
  const keepOriginals = how.keepOriginals ?? true;
  const results: IngestResult[] = [];
  store.transaction(() => {
    const { documents, originals } = store;
    const existing = documents.bySource(tree.sourceId);
    if (existing && existing.sha256 === tree.sha256 && !how.force) {
      results.push(unchangedResult(existing, documents.passageCount(existing.id)));
      return;
    }
    const previousChildren = existing ? documents.childrenOf(existing.id) : [];
    if (keepOriginals) for (const t of [tree, ...tree.children]) originals.put(t.sha256, t.file.fileName, t.raw);
    // Every layout is made before anything is written, against what was stored before this commit.
    const doc = { ...toDocument(store, tree, null, options), has_original: keepOriginals };
    const children = tree.children.map((c) => ({ tree: c, doc: toDocument(store, c, null, options) }));
    const { id, created } = documents.upsert(doc);
    results.push({
      ...success(doc, id, created ? 'added' : 'updated'),
      ...ocrReport(tree.file),
      ...(tree.notes.length ? { notes: tree.notes } : {}),
    });
    const keep = new Set<string>();
    for (const { tree: c, doc: child } of children) {
      child.parent_id = id;
      keep.add(child.source_id);
      const before = documents.bySource(child.source_id);
      if (before && before.sha256 === child.sha256 && before.parent_id === id) continue;
      const r = documents.upsert(child);
      results.push({ ...success(child, r.id, r.created ? 'added' : 'updated'), parent_id: id, ...ocrReport(c.file) });
    }
    for (const old of previousChildren) if (!keep.has(old.source_id)) documents.delete(old.id);
    for (const r of results) if (r.document_id !== null) splitFirstCopies(documents, r.document_id, options, log);
  });
  if (results[0]?.status !== 'unchanged') store.sweepOriginals();
  return [...results, ...tree.failed];
}
