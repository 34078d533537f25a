import fs from 'node:fs';
import type { AskBody, DocumentsQuery, SearchQuery, TimelineQuery } from './api/requests.js';
import type { AskResponse, Hit, SearchResponse, TimelineResponse } from './api/responses.js';
import { backup, type BackupReport } from './backup/backup.js';
import { restore, type RestoreReport } from './backup/restore.js';
import type { Config } from './config.js';
import type { Embedder } from './embed/embedder.js';
import { Embeddings, type EmbedderInfo, type SyncReport } from './embed/embeddings.js';
import { KbError, toKbError } from './errors.js';
import type { Logger } from './log.js';
import { ask } from './search/ask.js';
import { repeatsOf, similar } from './search/related.js';
import { Searcher, type SearchOptions } from './search/searcher.js';
import { timeline } from './search/timeline-search.js';
import type { SearchRequest } from './search/types.js';
import type { RecordedEmbedder } from './store/meta.js';
import { Store } from './store/store.js';
import type { DocumentKind, DocumentRow, PassageRow, StoreStats } from './store/types.js';
import { sha256 } from './text/words.js';
import { IndexKeeper, type IndexState } from './vector/index-keeper.js';
import { Pipeline, summarise, type IngestResult, type IngestSummary } from '../ingest/pipeline.js';

export interface OpenOptions {
  /**
   * 'write' (default): may change the data folder; opening repairs what a
   * crash left (vectors, index, stale files). 'read': nothing is written,
   * ever (a read-only or full disk is fine); what is out of date is brought
   * up to date in memory only.
   */
  mode?: 'read' | 'write';
  /** For reindexing to another embedder. */
  allowSwitch?: boolean;
}

export interface IngestRun {
  results: IngestResult[];
  summary: IngestSummary;
}

export interface IngestProgress {
  /** Before each file. */
  onFile?: (index: number, total: number, file: string) => void;
  /** As each file's results arrive (a file with attachments gives several). */
  onResults?: (results: IngestResult[]) => void;
  /** While passages are embedded after the files are stored. */
  onEmbed?: (done: number, total: number) => void;
}

export interface VerifyReport {
  ok: boolean;
  problems: string[];
  /** What --repair removed or rebuilt. */
  repaired: string[];
  embedder: RecordedEmbedder | null;
  index: IndexState;
}

export interface DocumentView {
  document: DocumentRow;
  parent: DocumentRow | null;
  attachments: DocumentRow[];
  text: string;
  passages: Omit<PassageRow, 'doc_id' | 'fingerprint' | 'tokens'>[];
}

/**
 * The knowledge base: the one facade the faces (the CLI, the HTTP routes,
 * benchmarks) use. It opens the store, the embedder and the vector index as
 * one unit and offers the operations; every write ends with its own
 * refresh (vectors embedded, index brought up to date and saved). Reads
 * never write: the index is checked and repaired when the knowledge base
 * opens or after a write, never inside a search.
 */
export class KnowledgeBase {
  readonly config: Config;
  readonly store: Store;
  readonly embeddings: Embeddings;
  readonly index: IndexKeeper;
  readonly searcher: Searcher;
  readonly log: Logger;
  readonly mode: 'read' | 'write';
  private pipelineInstance: Pipeline | null = null;
  /** Writes run one at a time (one writer, as SQLite wants; an embedding sync is never run twice at once). */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    config: Config,
    store: Store,
    embeddings: Embeddings,
    index: IndexKeeper,
    log: Logger,
    mode: 'read' | 'write',
  ) {
    this.config = config;
    this.store = store;
    this.embeddings = embeddings;
    this.index = index;
    this.log = log;
    this.mode = mode;
    this.searcher = new Searcher(
      {
        store,
        index: () => index.current(),
        queryEmbedder: () => embeddings.queryEmbedder(),
        embedderInfo: () => embeddings.info(),
      },
      { standingMinDocuments: config.repeatMinDocuments, lexicalBudget: config.lexicalBudget },
    );
  }

  /**
   * Opens the store and the embedder, then the vector index. In write mode
   * it first repairs what a crash can leave: stale temporary files, released
   * or orphaned originals, passages without vectors, an index behind the
   * database.
   */
  static async open(config: Config, log: Logger, options: OpenOptions = {}): Promise<KnowledgeBase> {
    const mode = options.mode ?? 'write';
    const store = Store.open(config.dataDir, { readonly: mode === 'read' });
    try {
      const embeddings = await Embeddings.open(config, store, log, options);
      const index = new IndexKeeper(config.dataDir, store, log, {
        efSearch: config.hnswEf,
        m: config.hnswM,
        efConstruction: config.hnswEfConstruction,
        writable: mode === 'write',
      });
      const kb = new KnowledgeBase(config, store, embeddings, index, log, mode);
      if (mode === 'write') {
        kb.removeStaleFiles();
        if (!options.allowSwitch) await embeddings.sync();
      }
      index.open();
      if (mode === 'write') index.saveIfDirty();
      return kb;
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** Restores a backup into the configured data folder (nothing may have it open); then open it to verify. */
  static restore(config: Config, file: string, options: { force?: boolean } = {}): RestoreReport {
    return restore(file, config.dataDir, options);
  }

  /** A searcher over this knowledge base with other search options (evaluation, benchmarks). */
  searcherWith(options: Partial<SearchOptions>): Searcher {
    return new Searcher(this.searcher.parts, {
      standingMinDocuments: this.config.repeatMinDocuments,
      lexicalBudget: this.config.lexicalBudget,
      ...options,
    });
  }

  // ---- reads -----------------------------------------------------------------

  async search(req: SearchQuery, extra: Pick<SearchRequest, 'vector' | 'snippets'> = {}): Promise<SearchResponse> {
    this.checkQuery(req.q);
    return this.searcher.search({
      q: req.q,
      k: req.k,
      mode: req.mode,
      perDoc: req.per_doc,
      repeats: req.repeats,
      from: req.from,
      to: req.to,
      kind: req.kind,
      document: req.document,
      ...extra,
    });
  }

  async timeline(req: TimelineQuery): Promise<TimelineResponse> {
    this.checkQuery(req.q);
    return timeline(this.searcher, {
      q: req.q,
      mode: req.mode,
      limit: req.limit,
      repeats: req.repeats,
      from: req.from,
      to: req.to,
      kind: req.kind,
      document: req.document,
    });
  }

  async ask(body: AskBody): Promise<AskResponse> {
    this.checkQuery(body.question);
    return ask(this.searcher, this.queryEmbedder(), { question: body.question, k: body.k, filters: body.filters });
  }

  /** Passages nearest in meaning in other documents; null when the passage does not exist. */
  similar(passageId: number, k: number, perDoc: number): Hit[] | null {
    return similar(this.searcher, passageId, k, perDoc);
  }

  /** Every passage with the same words; null when the passage does not exist. */
  repeats(passageId: number, limit: number): { total: number; results: Hit[] } | null {
    return repeatsOf(this.searcher, passageId, limit);
  }

  documents(query: DocumentsQuery): { total: number; documents: DocumentRow[] } {
    return this.store.read(() => this.store.documents.list(query));
  }

  document(id: number): DocumentView {
    return this.store.read(() => {
      const { documents } = this.store;
      const doc = documents.get(id);
      if (!doc) throw new KbError('DOCUMENT_NOT_FOUND', { id });
      const parent = doc.parent_id !== null ? (documents.get(doc.parent_id) ?? null) : null;
      const passages = documents
        .passagesOf(doc.id)
        .map(({ id, ord, start, end, page, section, text }) => ({ id, ord, start, end, page, section, text }));
      return {
        document: doc,
        parent,
        attachments: documents.childrenOf(doc.id),
        text: documents.text(doc.id) ?? '',
        passages,
      };
    });
  }

  /** The original file of a document: where it is, what it is called and its type. */
  original(id: number): { path: string; fileName: string; mime: string } {
    const doc = this.store.read(() => this.store.documents.get(id));
    if (!doc) throw new KbError('DOCUMENT_NOT_FOUND', { id });
    const file = this.store.originals.pathOf(doc.sha256, doc.file_name);
    if (!doc.has_original || !fs.existsSync(file)) throw new KbError('ORIGINAL_NOT_FOUND', { id });
    return { path: file, fileName: doc.file_name, mime: doc.mime };
  }

  stats(): StoreStats & { embedder: RecordedEmbedder | null } {
    return { ...this.store.stats(), embedder: this.store.meta.embedder() };
  }

  /** Status for /api/health: the embedder on record, counts, the index. */
  health(): {
    embedder: (RecordedEmbedder | EmbedderInfo) | null;
    counts: { documents: number; passages: number; vectors: number };
    index: IndexState;
  } {
    const stats = this.store.stats();
    const index = this.index.state();
    return {
      embedder: this.store.meta.embedder() ?? this.embeddings.info(),
      counts: { documents: stats.documents, passages: stats.passages, vectors: index.count },
      index,
    };
  }

  /** The embedder whose vectors are stored (null: none yet). */
  recordedEmbedder(): RecordedEmbedder | null {
    return this.store.meta.embedder();
  }

  embedderInfo(): EmbedderInfo | null {
    return this.embeddings.info();
  }

  /** The embedder that makes query vectors for the stored ones. */
  queryEmbedder(): Embedder | null {
    return this.embeddings.queryEmbedder();
  }

  indexState(): IndexState {
    return this.index.state();
  }

  // ---- writes ------------------------------------------------------------------

  /** The pipeline over this knowledge base's store (writes only through the facade's operations). */
  get pipeline(): Pipeline {
    this.requireWritable();
    return (this.pipelineInstance ??= new Pipeline({ store: this.store, config: this.config, log: this.log }));
  }

  /** Ingests files and folders, then embeds what they brought and brings the index up to date. */
  async ingest(paths: string[], options: { kind?: DocumentKind } & IngestProgress = {}): Promise<IngestRun> {
    return this.exclusive(() => this.ingestNow(paths, options));
  }

  private async ingestNow(paths: string[], options: { kind?: DocumentKind } & IngestProgress): Promise<IngestRun> {
    const results: IngestResult[] = [];
    for await (const batch of this.pipeline.ingestPaths(
      paths,
      options.onFile,
      options.kind ? { kind: options.kind } : {},
    )) {
      results.push(...batch);
      options.onResults?.(batch);
    }
    await this.refreshNow(options.onEmbed);
    return { results, summary: summarise(results) };
  }

  /** Ingests uploaded files (identified by content, or by the source id sent with them), then refreshes. */
  async upload(files: { name: string; bytes: Uint8Array; sourceId?: string }[]): Promise<IngestRun> {
    return this.exclusive(async () => {
      const results: IngestResult[] = [];
      for (const f of files) {
        const sourceId = f.sourceId ? `upload:${f.sourceId}` : `upload:${sha256(f.bytes)}`;
        for (const r of await this.pipeline.ingestBytes({ name: f.name, bytes: f.bytes }, { sourceId }))
          results.push({ ...r, file: f.name });
      }
      await this.refreshNow();
      return { results, summary: summarise(results) };
    });
  }

  /** Ingests text with no file behind it (test collections, generated corpora); call refresh() after a batch. */
  ingestText(
    docs: Iterable<{ sourceId: string; title: string; text: string; publishedAt?: string | null; kind?: DocumentKind }>,
  ): IngestResult[] {
    const pipeline = this.pipeline;
    const out: IngestResult[] = [];
    this.store.transaction(() => {
      for (const d of docs) out.push(pipeline.ingestText(d));
    });
    return out;
  }

  /** Deletes documents (with their attachments); each id succeeds or fails alone. Then refreshes. */
  async delete(ids: number[]): Promise<{ deleted: DocumentRow[]; failed: { id: number; error: KbError }[] }> {
    return this.exclusive(async () => {
      const deleted: DocumentRow[] = [];
      const failed: { id: number; error: KbError }[] = [];
      for (const id of ids) {
        try {
          deleted.push(...this.pipeline.delete(id));
        } catch (err) {
          failed.push({ id, error: toKbError(err) });
        }
      }
      await this.refreshNow();
      return { deleted, failed };
    });
  }

  /** After writes: embed passages that lack a vector, bring the index up to date, save it. */
  async refresh(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.exclusive(() => this.refreshNow(onProgress));
  }

  private async refreshNow(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    this.requireWritable();
    const report = await this.embeddings.sync(onProgress);
    this.index.catchUp();
    this.index.saveIfDirty();
    return report;
  }

  /** Re-embeds everything with the configured embedder and rebuilds the index. */
  async reindex(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.exclusive(async () => {
      this.requireWritable();
      const report = await this.embeddings.reindex(onProgress);
      this.index.rebuild('kb reindex');
      return report;
    });
  }

  /**
   * Checks that the database, the full-text index, the vectors, the index
   * file and the originals agree. With `repair`, first removes stale
   * temporary files, released and orphaned originals, embeds what lacks a
   * vector and rebuilds a bad index; then checks.
   */
  async verify(options: { repair?: boolean } = {}): Promise<VerifyReport> {
    const repaired: string[] = [];
    if (options.repair) {
      this.requireWritable();
      repaired.push(...this.removeStaleFiles().map((f) => `removed ${f}`));
      await this.refresh();
      const fileProblems = this.index.verifyFile();
      if (fileProblems.length) {
        this.index.rebuild(`kb verify --repair: ${fileProblems[0]}`);
        repaired.push('rebuilt the vector index');
      }
    }
    const problems = [...this.store.check()];
    if (!problems.some((p) => p.startsWith('database:'))) {
      problems.push(...this.embeddings.problems(), ...this.index.verifyFile());
      const originals = this.store.originals.check(this.store.documents);
      for (const m of originals.missing) problems.push(`originals: the original of a document is missing (${m.name})`);
      if (originals.orphans.length)
        problems.push(`originals: ${originals.orphans.length} files no document needs (e.g. ${originals.orphans[0]})`);
      const stale = this.store.folder.staleFiles();
      if (stale.length)
        problems.push(`files: ${stale.length} temporary files left by stopped processes (e.g. ${stale[0]})`);
    }
    return {
      ok: problems.length === 0,
      problems,
      repaired,
      embedder: this.store.meta.embedder(),
      index: this.index.state(),
    };
  }

  backup(file: string, options: { force?: boolean } = {}): BackupReport {
    return backup(this.store, file, options);
  }

  /** Saves what is unsaved (the index, in write mode) and closes the embedder and the database. */
  async close(): Promise<void> {
    await this.writes;
    if (this.mode === 'write' && this.store.isOpen) this.index.saveIfDirty();
    await this.embeddings.close();
    this.store.close();
  }

  private removeStaleFiles(): string[] {
    const stale = this.store.folder.staleFiles();
    for (const f of stale) fs.rmSync(f, { force: true });
    if (stale.length) this.log.info(`removed ${stale.length} temporary files left by stopped processes`);
    const swept = this.store.sweepOriginals({ orphans: true });
    if (swept.length) this.log.info(`removed ${swept.length} original files no document needs`);
    return [...stale, ...swept];
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private checkQuery(q: string): void {
    if (q.length > this.config.maxQueryChars)
      throw new KbError('QUERY_TOO_LONG', { length: q.length, limit: this.config.maxQueryChars });
  }

  private requireWritable(): void {
    if (this.mode !== 'write')
      throw new KbError('DATA_READ_ONLY', { dir: this.store.folder.dir, detail: 'opened for reading' });
  }
}
