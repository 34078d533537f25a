import { Worker } from 'node:worker_threads';
import { KbError, type ErrorCode } from '../src/errors.js';
import type { LoaderLimits, RawFile } from './document.js';
import type { PreparedFile } from './prepare.js';

type Reply = {
  id: number;
  prepared?: PreparedFile;
  error?: { code: ErrorCode; params: Record<string, string | number>; stack?: string };
  ready?: true;
};

const WORKER_URL = new URL('./prepare-worker.js', import.meta.url);

/**
 * Prepares files in a worker thread, one at a time: text normalising, HTML
 * and e-mail parsing, layout — whatever a file makes them do, it is not on
 * the thread that answers requests, it stops at the parse time limit (the
 * worker is terminated and a new one started for the next file), and it is
 * held to the parsing memory ceiling. The worker is kept between files and
 * never keeps the process alive on its own.
 */
export class PrepareHost {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private next = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly memoryMb: number;

  constructor(memoryMb: number) {
    this.memoryMb = memoryMb;
  }

  /** Prepares one file (queued behind any other), or fails with the file's own coded error. */
  prepare(file: RawFile, limits: LoaderLimits): Promise<PreparedFile> {
    const run = this.queue.then(() => this.run(file, limits));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    await w?.terminate();
  }

  private start(): Promise<void> {
    if (this.worker && this.ready) return this.ready;
    const worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
      stdout: true,
      stderr: true,
    });
    worker.unref();
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: Reply) => {
        if (m.ready) {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return this.ready;
  }

  private async run(file: RawFile, limits: LoaderLimits): Promise<PreparedFile> {
    try {
      await this.start();
    } catch (err) {
      this.worker = null;
      this.ready = null;
      throw new KbError(
        'INTERNAL',
        { detail: `the prepare worker did not start: ${(err as Error).message}` },
        { cause: err },
      );
    }
    const worker = this.worker!;
    const id = this.next++;
    return new Promise<PreparedFile>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void, kill = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
        if (kill) {
          if (this.worker === worker) {
            this.worker = null;
            this.ready = null;
          }
          void worker.terminate();
        }
        fn();
      };
      const onMessage = (m: Reply) => {
        if (m.id !== id) return;
        if (m.prepared) finish(() => resolve(m.prepared!));
        else finish(() => reject(new KbError(m.error!.code, m.error!.params, { cause: m.error!.stack })));
      };
      const onError = (err: Error) => {
        const detail = /memory/i.test(err.message) ? `ran out of memory (limit ${this.memoryMb} MiB)` : err.message;
        finish(
          () => reject(new KbError('MALFORMED', { file: file.name, format: 'document', detail }, { cause: err })),
          true,
        );
      };
      const onExit = (code: number) =>
        finish(
          () =>
            reject(
              new KbError('MALFORMED', {
                file: file.name,
                format: 'document',
                detail: `the reader stopped (exit ${code})`,
              }),
            ),
          true,
        );
      // The clock starts once the worker is ready: starting it is not the file's time.
      const timer = setTimeout(
        () =>
          finish(() => reject(new KbError('PARSE_TIMEOUT', { file: file.name, limit: limits.parseTimeoutMs })), true),
        limits.parseTimeoutMs,
      );
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.ref();
      worker.postMessage({ id, file: { name: file.name, bytes: file.bytes }, limits });
    });
  }
}

const hosts = new Map<number, PrepareHost>();

/** The process's prepare host for a memory ceiling (one worker, shared by every pipeline of the process). */
export function prepareHost(memoryMb: number): PrepareHost {
  let host = hosts.get(memoryMb);
  if (!host) hosts.set(memoryMb, (host = new PrepareHost(memoryMb)));
  return host;
}
