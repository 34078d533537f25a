import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type WorkerReply = { id: number; dim?: number; vectors?: Float32Array[]; error?: string };
type Pending = { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };

/** After this many unexpected exits the process is not started again (queries go to the embedding worker). */
const MAX_FAILURES = 3;

/**
 * A child process that embeds queries only, with its own copy of each model
 * loaded (onnxruntime-node runs in one thread per process, and its `run` holds
 * that thread until a passage is done: a query sent to the worker embedding a
 * batch of passages waits for the passage in hand, ~300 ms with bge-small in
 * float32). With a process of its own a query waits for nothing but the CPU.
 *
 * It runs the same embed-worker.js over the IPC channel. It is an addition,
 * never a dependency: a model is used here only once loaded here (after its
 * first query, which the worker answers), and when the process fails the
 * host sends its queries to the embedding worker instead. It starts with the
 * first model loaded here, is unref'd while idle, and ends with its parent.
 */
export class QueryProcess {
  private child: ChildProcess | null = null;
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  /** Every model loaded through here, to load again in a new process. */
  private readonly models = new Map<string, Record<string, unknown>>();
  private readonly ready = new Set<string>();
  private readonly loading = new Set<string>();
  private failures = 0;
  private closed = false;
  /** Queries embedded here (for tests and the bench). */
  answered = 0;

  /** Whether queries for this model can be sent here. */
  has(key: string): boolean {
    return this.ready.has(key);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A model the embedding worker has loaded (and installed: it is never downloaded here). */
  know(key: string, options: Record<string, unknown>): void {
    this.models.set(key, { ...options, allowRemote: false });
  }

  /**
   * A query for this model went to the worker: load the model here, in the
   * background, for the next ones. Only models that answer queries get a
   * second copy (the writer's copy, which embeds passages, never does).
   */
  want(key: string): void {
    if (this.ready.has(key) || this.loading.has(key)) return;
    const options = this.models.get(key);
    if (options) this.loadHere(key, options);
  }

  private loadHere(key: string, options: Record<string, unknown>): void {
    if (this.closed || this.failures >= MAX_FAILURES) return;
    this.loading.add(key);
    this.send({ op: 'load', key, options }).then(
      () => {
        this.loading.delete(key);
        if (this.models.has(key)) this.ready.add(key);
      },
      () => this.loading.delete(key), // the worker still answers this model's queries
    );
  }

  unload(key: string): void {
    this.models.delete(key);
    this.loading.delete(key);
    if (this.ready.delete(key)) void this.send({ op: 'unload', key }).catch(() => undefined);
  }

  /** Embeds query texts here; rejects if the process fails meanwhile. */
  embed(key: string, texts: string[]): Promise<WorkerReply> {
    return this.send({ op: 'embed', key, texts, priority: 'query' }).then((reply) => {
      this.answered++;
      return reply;
    });
  }

  /** Ends the process (the host sends every query to the worker from now on). */
  close(): void {
    this.closed = true;
    this.ready.clear();
    this.loading.clear();
    this.child?.kill();
    this.child = null;
  }

  private send(message: Record<string, unknown>): Promise<WorkerReply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const child = this.ensure();
      this.pending.set(id, { resolve, reject });
      child.ref();
      (child.channel as { ref?: () => void } | undefined)?.ref?.();
      child.send({ ...message, id });
    });
  }

  private receive(msg: WorkerReply & { progress?: unknown }): void {
    if (msg.progress) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) this.idle();
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg);
  }

  private idle(): void {
    this.child?.unref();
    (this.child?.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(fileURLToPath(new URL('./embed-worker.js', import.meta.url)), [], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.on('message', (msg) => this.receive(msg as WorkerReply));
    child.on('exit', (code, signal) => this.exited(child, `the query embedding process stopped (${signal ?? code})`));
    child.on('error', (err) => this.exited(child, err.message));
    this.child = child;
    this.idle();
    return child;
  }

  private exited(child: ChildProcess, why: string): void {
    if (this.child !== child) return;
    this.child = null;
    const had = [...this.ready, ...this.loading];
    this.ready.clear();
    this.loading.clear();
    const err = new Error(why);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (this.closed) return;
    // Start again with the models it had, unless it keeps failing.
    this.failures++;
    for (const key of had) this.want(key);
  }
}
