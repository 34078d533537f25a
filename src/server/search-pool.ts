import type { Config } from '../config.js';
import { embedHost } from '../embed/embed-host.js';
import { KbError } from '../errors.js';
import type { Logger } from '../log.js';
import { ThreadClient } from './threads/rpc.js';

const SEARCH_THREAD = new URL('./threads/search-thread.ts', import.meta.url);

interface Waiting {
  op: string;
  args: unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * The search workers of `kb serve`: KB_SEARCH_WORKERS threads, each with a
 * read-only connection and its own copy of the vector index, each answering
 * one request at a time. A request goes to a free worker, or waits in a
 * bounded queue (KB_SEARCH_QUEUE); past that it is refused at once with
 * SEARCH_BUSY (503 and Retry-After), so overload is an answer, not a timeout.
 * A worker that dies fails its request with WORKER_FAILED and is replaced.
 */
export class SearchPool {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly workers: (ThreadClient | null)[];
  private readonly idle = new Set<number>();
  private readonly queue: Waiting[] = [];
  private closing = false;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(config: Config, log: Logger) {
    this.config = config;
    this.log = log;
    this.workers = Array.from({ length: config.searchWorkers }, () => null);
  }

  /** Starts every worker; resolves when all have opened the knowledge base. */
  async start(): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.spawn(i)));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Requests waiting for a worker now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Runs a read operation on a free worker. */
  call<T>(op: string, args: unknown): Promise<T> {
    if (this.closing) return Promise.reject(new KbError('SHUTTING_DOWN'));
    return new Promise<T>((resolve, reject) => {
      const job: Waiting = { op, args, resolve: resolve as (v: unknown) => void, reject };
      const free = this.idle.values().next();
      if (!free.done) return this.run(free.value, job);
      if (this.queue.length >= this.config.searchQueue)
        return reject(new KbError('SEARCH_BUSY', { waiting: this.queue.length }));
      this.queue.push(job);
    });
  }

  /** After a write: each worker in turn takes in the new vectors (never all at once, so some always answer). */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(async () => {
      for (const w of this.workers) {
        if (w?.alive)
          await w.call('refresh').catch((err: Error) => this.log.warn(`${w.name}: refresh failed: ${err.message}`));
      }
    });
    return this.refreshing;
  }

  /** Stops one worker now, as a crash would (a tool for operators and tests): its request fails; it is replaced. */
  async stopWorker(i: number): Promise<void> {
    await this.workers[i]?.terminate();
  }

  /** Which workers are answering a request now. */
  busy(): number[] {
    return this.workers.flatMap((w, i) => (w?.alive && !this.idle.has(i) ? [i] : []));
  }

  /** Workers started and ready now. */
  get ready(): number {
    return this.workers.filter((w) => w?.alive).length;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) job.reject(new KbError('SHUTTING_DOWN'));
    await Promise.all(
      this.workers.map(async (w) => {
        if (!w) return;
        await w.call('close').catch(() => undefined);
        await w.terminate();
      }),
    );
  }

  private async spawn(i: number): Promise<void> {
    const port = embedHost.portForThread();
    const worker = new ThreadClient(
      SEARCH_THREAD,
      { config: this.config, embedPort: port },
      { name: `search worker ${i + 1}`, memoryMb: this.config.searchMemoryMb },
      [port],
    );
    this.workers[i] = worker;
    worker.onExit((code) => {
      this.idle.delete(i);
      if (this.closing || this.workers[i] !== worker) return;
      // A stopped worker's queued work goes to the others; its own request has failed (WORKER_FAILED).
      this.log.warn(`${worker.name} stopped (exit ${code}); starting another`);
      this.workers[i] = null;
      void this.spawn(i).catch((err: Error) => this.log.error(`${worker.name} could not be restarted: ${err.message}`));
    });
    await worker.ready;
    this.release(i);
  }

  private run(i: number, job: Waiting): void {
    const worker = this.workers[i]!;
    this.idle.delete(i);
    worker
      .call(job.op, job.args)
      .then(job.resolve, job.reject)
      .finally(() => {
        if (this.workers[i] === worker && worker.alive) this.release(i);
      });
  }

  private release(i: number): void {
    const next = this.queue.shift();
    if (next) this.run(i, next);
    else this.idle.add(i);
  }
}
