import { Worker } from 'node:worker_threads';

type Progress = { file: string; loaded: number; total: number; status: string };
type Reply = { id: number; dim?: number; vectors?: Float32Array[]; error?: string; progress?: Progress };

/**
 * The process's one embedding worker (onnxruntime-node's native module can
 * be loaded by one thread per process). Created on first use, unref'd so it
 * never keeps the process alive, and shared by every model loaded.
 */
class EmbedHost {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void; onProgress?: (p: Progress) => void }
  >();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./embed-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (msg: Reply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.progress) {
        p.onProgress?.(msg.progress);
        return;
      }
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (msg.error) p.reject(new Error(msg.error));
      else p.resolve(msg);
    });
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

  request(
    message: Record<string, unknown>,
    transfer: ArrayBuffer[] = [],
    onProgress?: (p: Progress) => void,
  ): Promise<Reply> {
    const worker = this.ensure();
    const id = this.next++;
    // Keep the process alive while a request is in flight.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      worker.postMessage({ ...message, id }, transfer);
    });
  }
}

export const embedHost = new EmbedHost();
