import type { Config } from './config.js';
import type { Embeddings, SyncReport } from './embed/embeddings.js';
import { KbError, toKbError } from './errors.js';
import type { Logger } from './log.js';
import type { Store } from './store/store.js';
import type { DocumentKind, DocumentRow } from './store/types.js';
import { isCurrent, measure } from './search/meaning-floor.js';
import { sha256 } from './text/words.js';
import type { IndexKeeper } from './vector/index-keeper.js';
import { ImpactKeeper } from './search/impact-keeper.js';
import { WriteQueue } from './write-queue.js';
import { Pipeline, summarise, type IngestResult, type IngestSummary } from '../ingest/pipeline.js';
import { crawl, isWebAddress } from '../ingest/web/crawl.js';

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

export interface IngestOptions extends IngestProgress {
  kind?: DocumentKind;
  /** Other sites web addresses may lead to, for this run (added to KB_WEB_ALLOW_HOSTS). */
  allowHosts?: string[];
  /** 'now' (default): return once embedded; 'after' (the server): once stored, embedding next. */
  embed?: 'now' | 'after';
}

/** A document given as text, with no file behind it. */
export interface TextDocument {
  sourceId: string;
  title: string;
  text: string;
  publishedAt?: string | null;
  kind?: DocumentKind;
}

/**
 * The write path: ingest, upload, delete, reindex, each one at a time and
 * each ended by a refresh (vectors embedded, the index brought up to date
 * and saved, the impact index brought up to date). The read path (search) never goes through here.
 */
export class Writer {
  private readonly parts: {
    store: Store;
    embeddings: Embeddings;
    index: IndexKeeper;
    config: Config;
    log: Logger;
    writable: boolean;
  };
  private readonly queue = new WriteQueue();
  private pipelineInstance: Pipeline | null = null;
  private readonly listeners: (() => void)[] = [];
  private readonly impacts: ImpactKeeper;

  constructor(parts: Writer['parts']) {
    this.parts = parts;
    this.impacts = new ImpactKeeper(parts.store, parts.log, { minPassages: parts.config.impactMinPassages });
  }

  /** Told after every write is stored, and again once its passages are embedded and the index saved. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** The pipeline over the store (writes go through the operations below). */
  get pipeline(): Pipeline {
    this.requireWritable();
    const { store, config, log } = this.parts;
    return (this.pipelineInstance ??= new Pipeline({ store, config, log }));
  }

  /** Files and folders, and web addresses (pages, listings, sitemaps, feeds: see ingest/web/crawl.ts). */
  ingest(paths: string[], options: IngestOptions = {}): Promise<IngestRun> {
    const run = this.queue.run(async () => {
      const results: IngestResult[] = [];
      const how = options.kind ? { kind: options.kind } : {};
      const urls = paths.filter(isWebAddress);
      const files = paths.filter((p) => !isWebAddress(p));
      const { store, config, log } = this.parts;
      const settings = { ...config, webAllowHosts: [...config.webAllowHosts, ...(options.allowHosts ?? [])] };
      const batches = [
        ...(files.length ? [this.pipeline.ingestPaths(files, options.onFile, how)] : []),
        ...(urls.length
          ? [crawl(urls, { store, pipeline: this.pipeline, settings, log }, { ...how, onUrl: options.onFile })]
          : []),
      ];
      for (const source of batches)
        for await (const batch of source) {
          results.push(...batch);
          options.onResults?.(batch);
        }
      if (options.embed !== 'after') await this.refreshNow(options.onEmbed);
      else this.changed();
      return { results, summary: summarise(results) };
    });
    if (options.embed === 'after') void this.queue.run(() => this.refreshNow()).catch(() => undefined);
    return run;
  }

  /**
   * Stores uploaded files. With `embed: 'now'` (default) it returns once their
   * passages are embedded too; with 'after' (the server) it returns once they
   * are stored, and embeds them next, before any later write.
   */
  upload(
    files: { name: string; bytes: Uint8Array; sourceId?: string }[],
    options: { embed?: 'now' | 'after' } = {},
  ): Promise<IngestRun> {
    const stored = this.queue.run(async () => {
      const results: IngestResult[] = [];
      for (const f of files) {
        const sourceId = f.sourceId ? `upload:${f.sourceId}` : `upload:${sha256(f.bytes)}`;
        for (const r of await this.pipeline.ingestBytes({ name: f.name, bytes: f.bytes }, { sourceId })) {
          results.push({ ...r, file: f.name });
        }
      }
      if (options.embed !== 'after') await this.refreshNow();
      else this.changed();
      return { results, summary: summarise(results) };
    });
    if (options.embed === 'after') void this.queue.run(() => this.refreshNow()).catch(() => undefined);
    return stored;
  }

  ingestText(docs: Iterable<TextDocument>): IngestResult[] {
    const pipeline = this.pipeline;
    const out: IngestResult[] = [];
    this.parts.store.transaction(() => {
      for (const d of docs) out.push(pipeline.ingestText(d));
    });
    return out;
  }

  delete(ids: number[]): Promise<{ deleted: DocumentRow[]; failed: { id: number; error: KbError }[] }> {
    return this.queue.run(async () => {
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

  refresh(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.queue.run(() => this.refreshNow(onProgress));
  }

  reindex(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    return this.queue.run(async () => {
      this.requireWritable();
      const report = await this.parts.embeddings.reindex(onProgress);
      this.parts.index.rebuild('kb reindex');
      return report;
    });
  }

  /** Brings the impact index up to date, next in the queue (writes asked for after it wait for it). */
  catchUpImpacts(): void {
    void this.queue
      .run(async () => {
        this.impacts.catchUp();
      })
      .catch((err: unknown) => this.parts.log.warn(`impact index: not brought up to date (${(err as Error).message})`));
  }

  /** Resolves when every write asked for so far has finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async refreshNow(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    this.requireWritable();
    const report = await this.parts.embeddings.sync(onProgress);
    this.parts.index.catchUp();
    this.parts.index.saveIfDirty();
    this.impacts.catchUp();
    await this.measureMeaningFloor();
    this.changed();
    return report;
  }

  /** Measures the meaning floor again when the embedder or the collection's size has changed (see meaning-floor.ts). */
  private async measureMeaningFloor(): Promise<void> {
    const { store, embeddings } = this.parts;
    const embedder = embeddings.queryEmbedder();
    if (!embedder || isCurrent(store.meta.meaningCalibration(), embedder.id, store.passages.count())) return;
    const calibration = await measure(store, embedder);
    if (calibration) store.transaction(() => store.meta.setMeaningCalibration(calibration));
  }

  private requireWritable(): void {
    if (!this.parts.writable) {
      throw new KbError('DATA_READ_ONLY', { dir: this.parts.store.folder.dir, detail: 'opened for reading' });
    }
  }
}
