// The entry point of the server's worker threads (the search workers and the
// writer): it loads the TypeScript sources through tsx, as `kb` does, then
// the thread's own module, named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
