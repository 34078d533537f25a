import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../src/config.js';
import { KbError, printable, toKbError } from '../src/errors.js';
import type { Logger } from '../src/log.js';
import { FileStore } from '../src/store/files.js';
import type { Store } from '../src/store/store.js';
import type { DocumentKind, DocumentRow, NewDocument } from '../src/store/types.js';
import { sha256 } from '../src/text/words.js';
import { assemble } from './assemble.js';
import type { Block, LoaderLimits, RawFile } from './document.js';
import { EXTENSIONS, load } from './loaders/index.js';
import { extractMetadata } from './metadata.js';
import { normaliseBlocks } from './normalise.js';
import { textToBlocks } from './loaders/text.js';
import { blockFingerprints, repeatedBlocks } from './boilerplate.js';
import { split, type SplitOptions } from './split.js';
import { expandPaths, sourceIdForPath } from './walk.js';

export type IngestStatus = 'added' | 'updated' | 'unchanged' | 'failed';

/** One line of `kb ingest --json`, and of the upload API's answer. */
export interface IngestResult {
  source_id: string;
  document_id: number | null;
  status: IngestStatus;
  title: string | null;
  published_at: string | null;
  kind: DocumentKind | null;
  passages: number;
  parent_id?: number | null;
  error?: { code: string; message: string; hint: string };
}

export interface IngestSummary {
  files: number;
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
  passages: number;
}

export interface IngestOptions {
  /** Identity to use instead of the path (uploads, URLs). */
  sourceId?: string;
  /** Kind to record instead of the detected one. */
  kind?: DocumentKind;
}

export interface PipelineDeps {
  store: Store;
  config: Config;
  log: Logger;
}

/** A document parsed, split and ready to write, with the attachments that came with it. */
interface Prepared {
  doc: NewDocument;
  raw: Uint8Array;
  children: Prepared[];
  failedChildren: IngestResult[];
}

/**
 * The ingestion pipeline: read, detect, load, normalise, find metadata,
 * split, then write each document (with its attachments) in one
 * transaction. Unchanged files (same identity, same bytes) are not parsed
 * and nothing is written for them. A failure affects only its own file.
 */
export class Pipeline {
  private readonly store: Store;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly files: FileStore;

  constructor(deps: PipelineDeps) {
    this.store = deps.store;
    this.config = deps.config;
    this.log = deps.log;
    this.files = new FileStore(deps.config.dataDir);
  }

  private get limits(): LoaderLimits {
    const c = this.config;
    return { parseTimeoutMs: c.parseTimeoutMs, maxPdfPages: c.maxPdfPages, parseMemoryMb: c.parseMemoryMb, maxHtmlDepth: c.maxHtmlDepth, maxUnpackedBytes: c.maxUnpackedBytes };
  }

  private get splitOptions(): SplitOptions {
    return { minWords: this.config.passageMinWords, targetWords: this.config.passageTargetWords, maxWords: this.config.passageMaxWords };
  }

  /**
   * Ingests files and folders. Yields the results of each file as it is
   * done (a file with attachments yields several), so callers can report
   * progress; `onFile` is told before each file starts.
   */
  async *ingestPaths(
    paths: string[],
    onFile?: (index: number, total: number, file: string) => void,
    options: IngestOptions = {},
  ): AsyncGenerator<IngestResult[]> {
    const { files, missing } = expandPaths(paths);
    for (const p of missing) yield [failure(sourceIdForPath(p), new KbError('FILE_NOT_FOUND', { file: p }))];
    for (let i = 0; i < files.length; i++) {
      onFile?.(i, files.length, files[i]!);
      yield await this.ingestFile(files[i]!, options);
    }
  }

  async ingestFile(file: string, options: IngestOptions = {}): Promise<IngestResult[]> {
    const sourceId = options.sourceId ?? sourceIdForPath(file);
    let bytes: Uint8Array;
    try {
      bytes = readBounded(file, this.config.maxFileBytes);
    } catch (err) {
      return [failure(sourceId, err)];
    }
    return this.ingestBytes({ name: file, bytes }, { ...options, sourceId });
  }

  /** Ingests one file's bytes under the given identity. */
  async ingestBytes(file: RawFile, options: IngestOptions & { sourceId: string }): Promise<IngestResult[]> {
    const sourceId = options.sourceId;
    try {
      if (file.bytes.length === 0) throw new KbError('FILE_EMPTY', { file: file.name });
      if (file.bytes.length > this.config.maxFileBytes) {
        throw new KbError('FILE_TOO_LARGE', { file: file.name, size: file.bytes.length, limit: this.config.maxFileBytes });
      }
      const hash = sha256(file.bytes);
      const known = this.unchanged(sourceId, hash, file.name);
      if (known) return [known];
      const prepared = await this.prepare(file, hash, sourceId, options.kind);
      const again = this.unchanged(prepared.doc.source_id, hash, file.name);
      if (again) return [again];
      return this.commit(prepared);
    } catch (err) {
      const error = toKbError(err);
      if (error.code === 'INTERNAL') this.log.error(`${file.name}: ${error.message}\n${(err as Error)?.stack ?? ''}`);
      return [failure(sourceId, error)];
    }
  }

  /**
   * Ingests text that needs no loader (test collections, generated corpora):
   * the same normalising, splitting and one-transaction write as a file.
   */
  ingestText(doc: { sourceId: string; title: string; text: string; publishedAt?: string | null; kind?: DocumentKind }): IngestResult {
    try {
      const bytes = Buffer.from(`${doc.title}\n${doc.text}`, 'utf8');
      const hash = sha256(bytes);
      const known = this.unchanged(doc.sourceId, hash, doc.sourceId);
      if (known) return known;
      const blocks = normaliseBlocks(textToBlocks(doc.text));
      if (blocks.length === 0) throw new KbError('NO_TEXT', { file: doc.sourceId });
      const prepared: NewDocument = {
        source_id: doc.sourceId, sha256: hash, kind: doc.kind ?? 'other', mime: 'text/plain', title: doc.title || doc.sourceId,
        published_at: doc.publishedAt ?? null, author: null, source_url: null, file_name: `${doc.sourceId.replace(/[^\w.-]+/g, '_')}.txt`,
        parent_id: null, pages: null, bytes: bytes.length, ...this.layout(blocks, doc.sourceId),
      };
      const { id, created } = this.store.transaction(() => {
        const r = this.store.upsertDocument(prepared);
        this.splitFirstCopies(r.id);
        return r;
      });
      return success(prepared, id, created ? 'added' : 'updated');
    } catch (err) {
      return failure(doc.sourceId, err);
    }
  }

  /** The stored document, reported as unchanged, when identity and bytes match. */
  private unchanged(sourceId: string, hash: string, name: string): IngestResult | undefined {
    let existing = this.store.getDocumentBySource(sourceId);
    if (!existing && path.extname(name).toLowerCase() === '.eml') {
      // An e-mail's identity is its Message-ID, known only after parsing; the
      // same bytes stored as a top-level e-mail are the same message.
      existing = this.store.db
        .prepare("SELECT * FROM documents WHERE sha256 = ? AND mime = 'message/rfc822' AND parent_id IS NULL LIMIT 1")
        .get(hash) as typeof existing;
    }
    if (!existing || existing.sha256 !== hash) return undefined;
    return {
      source_id: existing.source_id,
      document_id: existing.id,
      status: 'unchanged',
      title: existing.title,
      published_at: existing.published_at,
      kind: existing.kind,
      passages: (this.store.db.prepare('SELECT count(*) AS n FROM passages WHERE doc_id = ?').get(existing.id) as { n: number }).n,
    };
  }

  private async prepare(file: RawFile, hash: string, sourceId: string, kind?: DocumentKind): Promise<Prepared> {
    const loaded = await load(file, this.limits);
    const blocks = normaliseBlocks(loaded.blocks);
    if (blocks.length === 0) throw new KbError('NO_TEXT', { file: file.name });
    // The name is a label (stored and shown), never a path: control characters go.
    const fileName = printable(path.basename(file.name)).trim() || 'document';
    const meta = extractMetadata(loaded, blocks, fileName);
    const docSourceId = loaded.sourceId ?? sourceId;
    const doc: NewDocument = {
      source_id: docSourceId,
      sha256: hash,
      kind: kind ?? meta.kind,
      mime: loaded.mime,
      title: meta.title,
      published_at: meta.published_at,
      author: meta.author,
      source_url: loaded.sourceUrl ?? null,
      file_name: fileName,
      parent_id: null,
      pages: loaded.pages ?? null,
      bytes: file.bytes.length,
      ...this.layout(blocks, docSourceId),
    };
    const children: Prepared[] = [];
    const failedChildren: IngestResult[] = [];
    for (const attachment of loaded.attachments ?? []) {
      const ext = path.extname(attachment.fileName).toLowerCase();
      if (!(ext in EXTENSIONS)) {
        this.log.debug(`${file.name}: attachment ${attachment.fileName} skipped (not a readable format)`);
        continue;
      }
      const childId = `${doc.source_id}#attachment/${attachment.fileName}`;
      const childName = `${file.name} › ${attachment.fileName}`;
      try {
        if (attachment.bytes.length > this.config.maxFileBytes) {
          throw new KbError('FILE_TOO_LARGE', { file: childName, size: attachment.bytes.length, limit: this.config.maxFileBytes });
        }
        const child = await this.prepare({ name: childName, bytes: attachment.bytes }, sha256(attachment.bytes), childId);
        child.doc.file_name = attachment.fileName;
        child.doc.published_at ??= doc.published_at;
        children.push(child);
      } catch (err) {
        failedChildren.push(failure(childId, err));
      }
    }
    return { doc, raw: file.bytes, children, failedChildren };
  }

  /** Writes a prepared document and its attachments in one transaction. */
  private commit(prepared: Prepared): IngestResult[] {
    for (const p of [prepared, ...prepared.children]) this.files.put(p.doc.sha256, p.doc.file_name, p.raw);
    const previous = this.store.getDocumentBySource(prepared.doc.source_id);
    const previousChildren = previous ? this.store.childrenOf(previous.id) : [];
    const results: IngestResult[] = [];
    this.store.transaction(() => {
      const { id, created } = this.store.upsertDocument(prepared.doc);
      results.push(success(prepared.doc, id, created ? 'added' : 'updated'));
      const keep = new Set<string>();
      for (const child of prepared.children) {
        child.doc.parent_id = id;
        const before = this.store.getDocumentBySource(child.doc.source_id);
        if (before && before.sha256 === child.doc.sha256 && before.parent_id === id) {
          keep.add(child.doc.source_id);
          continue;
        }
        const r = this.store.upsertDocument(child.doc);
        keep.add(child.doc.source_id);
        results.push({ ...success(child.doc, r.id, r.created ? 'added' : 'updated'), parent_id: id });
      }
      for (const old of previousChildren) {
        if (!keep.has(old.source_id)) this.store.deleteDocument(old.id);
      }
      for (const r of results) if (r.document_id !== null) this.splitFirstCopies(r.document_id);
    });
    if (previous && previous.sha256 !== prepared.doc.sha256) this.releaseFile(previous.sha256, previous.file_name);
    return [...results, ...prepared.failedChildren];
  }

  /**
   * The document's text, blocks and passages. Paragraphs whose words are
   * already in another document (a sign-off, a standing item) get passages
   * of their own: see ingest/boilerplate.ts.
   */
  private layout(blocks: Block[], sourceId: string): Pick<NewDocument, 'text' | 'blocks' | 'passages'> {
    const { text, blocks: placed } = assemble(blocks);
    const fingerprints = blockFingerprints(placed);
    const shared = this.store.sharedBlocks(fingerprints, sourceId);
    return {
      text,
      blocks: placed.map((b, i) => ({ kind: b.kind, level: b.level ?? null, page: b.page ?? null, start: b.start, end: b.end, fingerprint: fingerprints[i]! })),
      passages: split(text, placed, this.splitOptions, repeatedBlocks(placed, fingerprints, shared)),
    };
  }

  /**
   * When a stored document brings the second copy of some paragraph, the
   * document with the first copy is split again (from its stored text and
   * blocks) so the paragraph gets a passage of its own there too. Passages
   * that come out the same keep their ids.
   */
  private splitFirstCopies(docId: number): void {
    for (const other of this.store.firstCopies(docId)) {
      const doc = this.store.getDocument(other);
      const text = this.store.documentText(other);
      if (!doc || text === undefined) continue;
      const rows = this.store.blocksOf(other);
      const placed = rows.map((b) => ({ kind: b.kind, level: b.level ?? undefined, page: b.page ?? undefined, text: text.slice(b.start, b.end), start: b.start, end: b.end }));
      const fingerprints = rows.map((b) => b.fingerprint);
      const shared = this.store.sharedBlocks(fingerprints, doc.source_id);
      const r = this.store.replacePassages(other, split(text, placed, this.splitOptions, repeatedBlocks(placed, fingerprints, shared)));
      if (r.replaced) this.log.debug(`document ${other} split again around text it shares with document ${docId}: ${r.replaced} passages new, ${r.kept} kept`);
    }
  }

  /** Deletes a document and what came with it, and their stored originals. */
  delete(id: number): DocumentRow[] {
    const deleted = this.store.deleteDocument(id);
    for (const doc of deleted) this.releaseFile(doc.sha256, doc.file_name);
    return deleted;
  }

  private releaseFile(hash: string, fileName: string): void {
    if (!this.store.shaInUse(hash)) this.files.remove(hash, fileName);
  }
}

function success(doc: NewDocument, id: number, status: IngestStatus): IngestResult {
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

function failure(sourceId: string, err: unknown): IngestResult {
  const error = toKbError(err);
  return {
    source_id: sourceId,
    document_id: null,
    status: 'failed',
    title: null,
    published_at: null,
    kind: null,
    passages: 0,
    error: { code: error.code, message: error.message, hint: error.hint },
  };
}

/** Reads a file, refusing it before reading when it is over the size limit. */
function readBounded(file: string, limit: number): Uint8Array {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KbError('FILE_NOT_FOUND', { file });
    throw new KbError('FILE_UNREADABLE', { file, detail: code ?? String(err) });
  }
  if (stat.isDirectory()) throw new KbError('FILE_UNREADABLE', { file, detail: 'it is a folder' });
  if (stat.size > limit) throw new KbError('FILE_TOO_LARGE', { file, size: stat.size, limit });
  if (stat.size === 0) throw new KbError('FILE_EMPTY', { file });
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new KbError('FILE_UNREADABLE', { file, detail: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
}

export function summarise(results: IngestResult[]): IngestSummary {
  const s: IngestSummary = { files: results.length, added: 0, updated: 0, unchanged: 0, failed: 0, passages: 0 };
  for (const r of results) {
    s[r.status]++;
    s.passages += r.passages;
  }
  return s;
}
