import { Worker } from 'node:worker_threads';
import { KbError } from '../../src/errors.js';
import type { LoaderLimits } from '../document.js';

/**
 * Runs a parser (a plain JavaScript worker module) in a worker thread with
 * the parse time limit and the memory ceiling: on timeout the worker is
 * terminated, on running out of memory it dies alone, and either way the
 * file fails with a clear error while the process carries on.
 */
export function parseInWorker<T>(
  url: URL,
  data: { bytes: Uint8Array } & Record<string, unknown>,
  limits: Pick<LoaderLimits, 'parseTimeoutMs' | 'parseMemoryMb'>,
  file: string,
  format: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const bytes = new Uint8Array(data.bytes);
    const worker = new Worker(url, {
      workerData: { ...data, bytes },
      transferList: [bytes.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: limits.parseMemoryMb },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const expire = () => finish(() => reject(new KbError('PARSE_TIMEOUT', { file, limit: limits.parseTimeoutMs })));
    let timer = setTimeout(expire, limits.parseTimeoutMs);
    // A worker may ask for more time for work that has its own limit (recognising a page: { extendMs }); the last
    // message is the result.
    worker.on('message', (msg: T | { extendMs: number }) => {
      if (msg && typeof msg === 'object' && 'extendMs' in msg && typeof msg.extendMs === 'number') {
        clearTimeout(timer);
        timer = setTimeout(expire, msg.extendMs);
        return;
      }
      finish(() => resolve(msg as T));
    });
    worker.once('error', (err) =>
      finish(() => {
        const detail = /memory/i.test(err.message)
          ? `ran out of memory (limit ${limits.parseMemoryMb} MiB)`
          : err.message;
        reject(new KbError('MALFORMED', { file, format, detail }, { cause: err }));
      }),
    );
    worker.once('exit', (code) =>
      finish(() => reject(new KbError('MALFORMED', { file, format, detail: `parser stopped (exit ${code})` }))),
    );
  });
}
