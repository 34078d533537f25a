import fs from 'node:fs';
import {
  searchRequestOf,
  timelineRequestOf,
  type AskBody,
  type DocumentsQuery,
  type SearchQuery,
  type TimelineQuery,
} from './api/requests.js';
import type { AskResponse, Hit, SearchResponse, TimelineResponse } from './api/responses.js';
import { backup, type BackupReport } from './backup/backup.js';
import { restore, type RestoreReport } from './backup/restore.js';
import type { Config } from './config.js';
import type { Embedder } from './embed/embedder.js';
import { Embeddings, type EmbedderInfo, type SyncReport } from './embed/embeddings.js';
import { KbError } from './errors.js';
import type { Logger } from './log.js';
import { Writer, type IngestOptions, type IngestRun, type TextDocument } from './writer.js';
import { removeStaleFiles, verify, type VerifyReport } from './maintenance.js';
import { documentView, type DocumentView } from './store/document-view.js';
import { ask } from './search/ask.js';
import { quotesOf, repeatsOf, similar, type Quote } from './search/related.js';
import { Searcher, searchOptionsFrom, type SearchOptions } from './search/searcher.js';
import { timeline } from './search/timeline-search.js';
import type { SearchRequest } from './search/types.js';
import type { RecordedEmbedder } from './store/meta.js';
import type { ListedDocument } from './store/listing.js';
import { Store } from './store/store.js';
import type { DocumentKind, DocumentRow, StoreStats } from './store/types.js';
import { IndexKeeper, type IndexState } from './vector/index-keeper.js';
import type { IngestResult, Pipeline } from '../ingest/pipeline.js';
import { isWebAddress } from '../ingest/web/crawl.js';

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

export type { VerifyReport } from './maintenance.js';
export type { DocumentView } from './store/document-view.js';

export type { IngestOptions, IngestProgress, IngestRun } from './writer.js';

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
  private readonly writer: Writer;

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
    this.writer = new Writer({ store, embeddings, index, config, log, writable: mode === 'write' });
    this.searcher = new Searcher(
      {
        store,
        index: () => index.current(),
        queryEmbedder: () => embeddings.queryEmbedder(),
        embedderInfo: () => embeddings.info(),
      },
      searchOptionsFrom(config),
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
        removeStaleFiles(store, log);
        if (!options.allowSwitch) await embeddings.sync();
      }
      index.open();
      if (mode === 'write') {
        index.saveIfDirty();
        // A database from before the impact index, or one a crash left behind, catches up in the writer's queue.
        kb.writer.catchUpImpacts();
      }
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
    return new Searcher(this.searcher.parts, { ...searchOptionsFrom(this.config), ...options });
  }

  // ---- reads -----------------------------------------------------------------

  async search(req: SearchQuery, extra: Pick<SearchRequest, 'vector' | 'snippets'> = {}): Promise<SearchResponse> {
    this.checkQuery(req.q);
    return this.searcher.search({ ...searchRequestOf(req), ...extra });
  }

  async timeline(req: TimelineQuery): Promise<TimelineResponse> {
    this.checkQuery(req.q);
    return timeline(this.searcher, timelineRequestOf(req));
  }

  async ask(body: AskBody): Promise<AskResponse> {
    this.checkQuery(body.question);
    return ask(this.searcher, this.queryEmbedder(), {
      question: body.question,
      k: body.k,
      filters: body.filters,
      asTyped: body.as_typed,
    });
  }

  /** Passages nearest in meaning in other documents; null when the passage does not exist. */
  similar(passageId: number, k: number, perDoc: number): Hit[] | null {
    return similar(this.searcher, passageId, k, perDoc);
  }

  /** Every passage with the same words; null when the passage does not exist. */
  repeats(passageId: number, limit: number): { total: number; results: Hit[] } | null {
    return repeatsOf(this.searcher, passageId, limit);
  }

  /** Passages with their citations, for quoting (those that no longer exist are left out). */
  quotes(ids: number[]): Quote[] {
    return this.store.read(() => quotesOf(this.searcher, ids));
  }

  documents(query: DocumentsQuery): { total: number; documents: ListedDocument[] } {
    return this.store.read(() => this.store.listing.list(query));
  }

  document(id: number): DocumentView {
    return this.store.read(() => documentView(this.store.documents, id));
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

  embedderInfo(): EmbedderInfo | null {
    return this.embeddings.info();
  }

  /** The embedder that makes query vectors for the stored ones. */
  queryEmbedder(): Embedder | null {
    return this.embeddings.queryEmbedder();
  }

  // ---- writes (see writer.ts) -------------------------------------------------

  /** The pipeline over this knowledge base's store. */
  get pipeline(): Pipeline {
    return this.writer.pipeline;
  }

  /** Ingests files and folders, then embeds what they brought and brings the index up to date. */
  ingest(paths: string[], options: IngestOptions = {}): Promise<IngestRun> {
    return this.writer.ingest(paths, options);
  }

  /** Fetches web addresses (pages, listings, sitemaps, feeds) as `kb ingest URL` does; answered once stored. */
  fetchWeb(urls: string[], options: { allowHosts?: string[]; kind?: DocumentKind } = {}): Promise<IngestRun> {
    const bad = urls.find((u) => !isWebAddress(u));
    if (bad !== undefined) throw new KbError('WEB_BAD_URL', { url: bad.slice(0, 300), detail: 'not http or https' });
    return this.writer.ingest(urls, { ...options, embed: 'after' });
  }

  /** Ingests uploaded files (by content, or by the source id sent with them), then refreshes: see Writer.upload. */
  upload(
    files: { name: string; bytes: Uint8Array; sourceId?: string }[],
    options: { embed?: 'now' | 'after' } = {},
  ): Promise<IngestRun> {
    return this.writer.upload(files, options);
  }

  /** Told after every write is stored, and again once it is embedded and the index saved. */
  onChange(listener: () => void): void {
    this.writer.onChange(listener);
  }

  /** Ingests text with no file behind it (test collections, generated corpora); call refresh() after a batch. */
  ingestText(docs: Iterable<TextDocument>): IngestResult[] {
    return this.writer.ingestText(docs);
  }

  /** Deletes documents (with their attachments); each id succeeds or fails alone. Then refreshes. */
  delete(ids: number[]): Promise<{ deleted: DocumentRow[]; failed: { id: number; error: KbError }[] }> {
    return this.writer.delete(ids);
  }

  /** After writes: embed passages that lack a vector, bring the index up to date, save it. */
  refresh(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.writer.refresh(onProgress);
  }

  /** Re-embeds everything with the configured embedder and rebuilds the index. */
  reindex(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.writer.reindex(onProgress);
  }

  /** Checks that everything agrees (see maintenance.ts); with `repair`, first fixes what can be fixed. */
  async verify(options: { repair?: boolean } = {}): Promise<VerifyReport> {
    const parts = { store: this.store, embeddings: this.embeddings, index: this.index, log: this.log };
    if (!options.repair) return verify({ ...parts, refresh: async () => undefined }, false);
    return verify({ ...parts, refresh: () => this.refresh() }, true);
  }

  /** Writes a backup (see backup.ts). */
  backup(file: string, options: { force?: boolean } = {}): BackupReport {
    return backup(this.store, file, options);
  }

  /** Saves what is unsaved (the index, in write mode) and closes the embedder and the database. */
  async close(): Promise<void> {
    await this.writer.idle();
    if (this.mode === 'write' && this.store.isOpen) this.index.saveIfDirty();
    await this.embeddings.close();
    this.store.close();
  }

  private checkQuery(q: string): void {
    if (q.length > this.config.maxQueryChars)
      throw new KbError('QUERY_TOO_LONG', { length: q.length, limit: this.config.maxQueryChars });
  }
}
