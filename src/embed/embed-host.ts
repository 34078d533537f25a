import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { QueryProcess } from './query-process.js';

type Progress = { file: string; loaded: number; total: number; status: string };
type Reply = {
  id: number;
  dim?: number;
  maxTokens?: number;
  vectors?: Float32Array[];
  /** Passages longer than the model reads, embedded in parts. */
  split?: number;
  error?: string;
  progress?: Progress;
};
/** Queries are answered before document batches waiting in the same worker. */
export type Priority = 'query' | 'document';

/**
 * The process's one embedding worker (onnxruntime-node's native module can
 * be loaded by one thread per process). Created on first use, unref'd so it
 * never keeps the process alive, and shared by every model loaded. Other
 * threads of the process (the server's search workers and writer) reach it
 * through a port this thread relays (`portForThread`, then `useRemote` there).
 */
class EmbedHost {
  private worker: Worker | null = null;
  private remote: MessagePort | null = null;
  private queries: QueryProcess | null = null;
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void; onProgress?: (p: Progress) => void }
  >();

  /**
   * Embed queries in a process of their own (see query-process.ts), so they
   * never wait for the passage the worker is embedding: the server turns this
   * on (KB_QUERY_PROCESS). Off, or until a model has loaded there, queries go
   * to the worker ahead of waiting passages.
   */
  separateQueries(on: boolean): void {
    if (on) this.queries ??= new QueryProcess();
    else {
      this.queries?.close();
      this.queries = null;
    }
  }

  /** The query process, when queries are embedded apart. */
  get queryProcess(): QueryProcess | null {
    return this.queries;
  }

  /** In another thread: send every request through this port to the process's embedding worker. */
  useRemote(port: MessagePort): void {
    this.remote = port;
    port.on('message', (msg: Reply) => this.receive(msg));
    port.unref();
  }

  /**
   * A port another thread can use to reach this process's embedding worker:
   * its requests are relayed by this thread (the worker starts only when the
   * first one comes).
   */
  portForThread(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (msg: { id: number; priority?: Priority } & Record<string, unknown>) => {
      const { id, priority, ...request } = msg;
      this.request(request, [], (progress) => port1.postMessage({ id, progress }), priority ?? 'document').then(
        (reply) => port1.postMessage({ ...reply, id }, reply.vectors?.map((v) => v.buffer as ArrayBuffer) ?? []),
        (err: Error) => port1.postMessage({ id, error: err.message }),
      );
    });
    port1.unref();
    return port2;
  }

  request(
    message: Record<string, unknown>,
    transfer: ArrayBuffer[] = [],
    onProgress?: (p: Progress) => void,
    priority: Priority = 'document',
  ): Promise<Reply> {
    const queries = this.remote ? null : this.queries;
    const key = message.key as string;
    if (!queries) return this.send(message, transfer, onProgress, priority);
    if (message.op === 'embed' && priority === 'query') {
      if (queries.has(key))
        return queries
          .embed(key, message.texts as string[])
          .catch(() => this.send(message, transfer, onProgress, priority));
      queries.want(key);
    }
    if (message.op === 'unload') queries.unload(key);
    const reply = this.send(message, transfer, onProgress, priority);
    if (message.op === 'load')
      void reply.then(
        () => queries.know(key, message.options as Record<string, unknown>),
        () => undefined,
      );
    return reply;
  }

  private send(
    message: Record<string, unknown>,
    transfer: ArrayBuffer[],
    onProgress: ((p: Progress) => void) | undefined,
    priority: Priority,
  ): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      if (this.remote) {
        this.remote.ref();
        this.remote.postMessage({ ...message, id, priority }, transfer);
        return;
      }
      const worker = this.ensure();
      // Keep the process alive while a request is in flight.
      worker.ref();
      worker.postMessage({ ...message, id, priority }, transfer);
    });
  }

  private receive(msg: Reply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (this.pending.size === 0) {
      this.worker?.unref();
      this.remote?.unref();
    }
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./embed-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (msg: Reply) => this.receive(msg));
    const fail = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedding worker stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }
}

export const embedHost = new EmbedHost();
