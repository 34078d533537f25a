// The prepare worker: reads, normalises and lays out one file at a time,
// off the thread that answers requests, held to the parse time limit and the
// memory ceiling by its host (prepare-host.ts). Plain JavaScript that loads
// the TypeScript sources through tsx, as the `kb` command does.
//   { id, file: { name, bytes }, limits } -> { id, prepared } | { id, error: { code, params, message, stack } }
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { prepareFile } = await import('./prepare.ts');
const { KbError } = await import('../src/errors.ts');

parentPort.on('message', async ({ id, file, limits }) => {
  try {
    const prepared = await prepareFile({ name: file.name, bytes: new Uint8Array(file.bytes) }, limits);
    parentPort.postMessage({ id, prepared });
  } catch (err) {
    const error =
      err instanceof KbError
        ? { code: err.code, params: err.params }
        : { code: 'INTERNAL', params: { detail: String(err?.message ?? err) }, stack: err?.stack };
    parentPort.postMessage({ id, error });
  }
});
parentPort.postMessage({ ready: true });
