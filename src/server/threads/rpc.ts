import { parentPort, Worker, workerData } from 'node:worker_threads';
import { KbError, toKbError, type ErrorCode, type ErrorParams } from '../../errors.js';

/**
 * Calls between the server's main thread and its worker threads: a request
 * `{ id, op, args }` is answered `{ id, result }` or `{ id, error }` (the
 * coded error, rebuilt on the other side), and a worker can also send events
 * (`{ event, data }`) nobody asked for. A worker that dies fails every call in
 * flight with WORKER_FAILED, so no caller waits for ever.
 */
type Message =
  | { id: number; result: unknown }
  | { id: number; error: { code: ErrorCode; params: ErrorParams; detail?: string } }
  | { event: string; data: unknown }
  | { ready: true }
  | { failed: { code: ErrorCode; params: ErrorParams } };

const ENTRY = new URL('./thread-entry.js', import.meta.url);

export interface ThreadOptions {
  /** What the thread is, in error messages ("search worker 2"). */
  name: string;
  /** Old-generation heap ceiling, in MiB. */
  memoryMb?: number;
}

export class ThreadClient {
  readonly name: string;
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, ((data: unknown) => void)[]>();
  private exited = false;
  private readonly exitHandlers: ((code: number) => void)[] = [];

  /** Starts a thread running `module` (a file URL) with `data` as its workerData (plus the module). */
  constructor(module: URL, data: Record<string, unknown>, options: ThreadOptions, transfer: Transferable[] = []) {
    this.name = options.name;
    this.worker = new Worker(ENTRY, {
      workerData: { ...data, module: module.href },
      transferList: transfer as never[],
      ...(options.memoryMb ? { resourceLimits: { maxOldGenerationSizeMb: options.memoryMb } } : {}),
    });
    let started: () => void;
    let failedToStart: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failedToStart = reject;
    });
    this.worker.on('message', (m: Message) => {
      if ('ready' in m) return started();
      if ('failed' in m) return failedToStart(new KbError(m.failed.code, m.failed.params));
      if ('event' in m) {
        for (const l of this.listeners.get(m.event) ?? []) l(m.data);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m)
        p.reject(
          m.error.code === 'INTERNAL'
            ? new KbError('INTERNAL', { detail: m.error.detail })
            : new KbError(m.error.code, m.error.params),
        );
      else p.resolve(m.result);
    });
    const fail = (reason: string) => {
      if (this.exited) return;
      this.exited = true;
      const error = new KbError('WORKER_FAILED', { worker: this.name, detail: reason });
      failedToStart(error);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(/memory/i.test(err.message) ? 'it ran out of memory' : err.message));
    this.worker.on('exit', (code) => {
      fail(`it stopped (exit ${code})`);
      for (const h of this.exitHandlers) h(code);
    });
  }

  /** Calls `op` in the thread. */
  call<T>(op: string, args: unknown = {}, transfer: Transferable[] = []): Promise<T> {
    if (this.exited)
      return Promise.reject(new KbError('WORKER_FAILED', { worker: this.name, detail: 'it has stopped' }));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args }, transfer as never[]);
    });
  }

  /** Calls in flight. */
  get busy(): number {
    return this.pending.size;
  }

  get alive(): boolean {
    return !this.exited;
  }

  on(event: string, listener: (data: unknown) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  onExit(handler: (code: number) => void): void {
    this.exitHandlers.push(handler);
  }

  /** Stops the thread now; calls in flight fail with WORKER_FAILED. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** In a worker thread: its workerData. */
export function threadData<T>(): T {
  return workerData as T;
}

/**
 * In a worker thread: answers calls with `handlers` once `start` has
 * resolved (opening the knowledge base, say); a failed start is reported
 * to the main thread and the thread ends.
 */
export async function serveThread(start: () => Promise<Record<string, (args: never) => unknown>>): Promise<void> {
  const port = parentPort!;
  let handlers: Record<string, (args: never) => unknown>;
  try {
    handlers = await start();
  } catch (err) {
    const e = toKbError(err);
    port.postMessage({ failed: { code: e.code, params: e.code === 'INTERNAL' ? { detail: e.message } : e.params } });
    return;
  }
  port.on('message', async ({ id, op, args }: { id: number; op: string; args: never }) => {
    try {
      const handler = handlers[op];
      if (!handler) throw new KbError('INTERNAL', { detail: `no operation ${op} in this thread` });
      port.postMessage({ id, result: await handler(args) });
    } catch (err) {
      const e = toKbError(err);
      port.postMessage({
        id,
        error: {
          code: e.code,
          params: e.params,
          detail: e.code === 'INTERNAL' ? String((err as Error)?.stack ?? e.message).slice(0, 2000) : undefined,
        },
      });
    }
  });
  port.postMessage({ ready: true });
}

/** In a worker thread: tells the main thread something happened. */
export function emit(event: string, data: unknown = null): void {
  parentPort?.postMessage({ event, data });
}
