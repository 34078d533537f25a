import type { AskBody, DocumentsQuery, SearchQuery, TimelineQuery } from '../api/requests.js';
import type { Encoded } from '../api/encoded.js';
import type { AskResponse, Hit, SearchResponse, TimelineResponse } from '../api/responses.js';
import type { Config } from '../config.js';
import { embedHost } from '../embed/embed-host.js';
import { KbError, type ErrorCode, type ErrorParams } from '../errors.js';
import type { DocumentView, IngestRun, KnowledgeBase } from '../knowledge-base.js';
import type { Logger } from '../log.js';
import type { DocumentRow } from '../store/types.js';
import { SearchPool } from './search-pool.js';
import type { KnowledgeService } from './service.js';
import { ThreadClient } from './threads/rpc.js';

const WRITER_THREAD = new URL('./threads/writer-thread.ts', import.meta.url);

type Health = ReturnType<KnowledgeBase['health']>;

/**
 * The knowledge base as `kb serve` runs it: a writer thread that owns every
 * write (and opens the knowledge base first, repairing what a crash left),
 * and a pool of search workers for the reads. The thread answering HTTP does
 * neither: it parses requests, hands them on, and answers /api/health from
 * what the writer last reported, so nothing it does waits behind a search
 * or an ingest.
 */
export class PooledService implements KnowledgeService {
  private readonly writer: ThreadClient;
  private readonly pool: SearchPool;
  private readonly log: Logger;
  private health_: Health;
  private closing = false;

  private constructor(writer: ThreadClient, pool: SearchPool, health: Health, log: Logger) {
    this.writer = writer;
    this.pool = pool;
    this.health_ = health;
    this.log = log;
  }

  static async start(config: Config, log: Logger): Promise<PooledService> {
    embedHost.separateQueries(config.queryProcess);
    const port = embedHost.portForThread();
    const writer = new ThreadClient(WRITER_THREAD, { config, embedPort: port }, { name: 'writer' }, [port]);
    await writer.ready;
    // The search workers use the embedder the writer settled on (no second attempt to download a model).
    const kind = await writer.call<string>('embedderKind');
    const readers: Config = { ...config, embedder: kind === 'builtin' ? 'builtin' : config.embedder, offline: true };
    const pool = new SearchPool(readers, log);
    try {
      await pool.start();
    } catch (err) {
      await writer.terminate();
      throw err;
    }
    const service = new PooledService(writer, pool, await writer.call<Health>('health'), log);
    writer.on('changed', (health) => {
      service.health_ = health as Health;
      void pool.refresh();
    });
    writer.onExit((code) => {
      if (!service.closing)
        log.error(`the writer stopped (exit ${code}): writes will fail until kb serve is restarted`);
    });
    return service;
  }

  /** The search workers (for their counts, and to stop one as a crash would). */
  get searchPool(): SearchPool {
    return this.pool;
  }

  search(req: SearchQuery): Promise<Encoded<SearchResponse>> {
    return this.pool.call('search', [req]);
  }

  timeline(req: TimelineQuery): Promise<Encoded<TimelineResponse>> {
    return this.pool.call('timeline', [req]);
  }

  ask(body: AskBody): Promise<Encoded<AskResponse>> {
    return this.pool.call('ask', [body]);
  }

  similar(passageId: number, k: number, perDoc: number): Promise<Hit[] | null> {
    return this.pool.call('similar', [passageId, k, perDoc]);
  }

  repeats(passageId: number, limit: number): Promise<{ total: number; results: Hit[] } | null> {
    return this.pool.call('repeats', [passageId, limit]);
  }

  quotes(ids: number[]): Promise<ReturnType<KnowledgeBase['quotes']>> {
    return this.pool.call('quotes', [ids]);
  }

  documents(query: DocumentsQuery): Promise<ReturnType<KnowledgeBase['documents']>> {
    return this.pool.call('documents', [query]);
  }

  document(id: number): Promise<DocumentView> {
    return this.pool.call('document', [id]);
  }

  original(id: number): Promise<ReturnType<KnowledgeBase['original']>> {
    return this.pool.call('original', [id]);
  }

  stats(): Promise<ReturnType<KnowledgeBase['stats']>> {
    return this.pool.call('stats', []);
  }

  /** From what the writer last reported: answering it costs nothing and waits for nothing. */
  health(): Health {
    return this.health_;
  }

  upload(files: { name: string; bytes: Uint8Array; sourceId?: string }[]): Promise<IngestRun> {
    return this.writer.call('upload', [files]);
  }

  fetchWeb(urls: string[], options: { allowHosts?: string[] } = {}): Promise<IngestRun> {
    return this.writer.call('fetchWeb', [urls, options]);
  }

  async delete(ids: number[]): Promise<{ deleted: DocumentRow[]; failed: { id: number; error: KbError }[] }> {
    const r = await this.writer.call<{
      deleted: DocumentRow[];
      failed: { id: number; error: { code: ErrorCode; params: ErrorParams } }[];
    }>('delete', [ids]);
    return {
      deleted: r.deleted,
      failed: r.failed.map((f) => ({ id: f.id, error: new KbError(f.error.code, f.error.params) })),
    };
  }

  /** Closes the search workers, then lets the writer finish and save (for at most `graceMs`), then stops it. */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    await this.pool.close();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const outcome = await Promise.race([
      this.writer.call('close').then(
        () => 'closed' as const,
        () => 'closed' as const,
      ),
      late,
    ]);
    clearTimeout(timer);
    if (outcome === 'late')
      this.log.warn(`the writer had not finished after ${graceMs} ms: stopped (its unfinished write is rolled back)`);
    await this.writer.terminate();
  }
}
