import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../../config.js';
import { embedHost } from '../../embed/embed-host.js';
import { KnowledgeBase } from '../../knowledge-base.js';
import { FolderWatch } from '../../../ingest/watch.js';
import { createLogger } from '../../log.js';
import { runInBackground } from './niceness.js';
import { emit, serveThread, threadData } from './rpc.js';

/**
 * The writer: the knowledge base opened for writing, in its own thread, so
 * no upload, delete or embedding ever runs on the thread that answers
 * requests. An upload is answered once its files are stored; their passages
 * are embedded after, and a `changed` event tells the main thread when the
 * search workers should take the new vectors in.
 */
const { config, embedPort } = threadData<{ config: Config; embedPort?: MessagePort }>();
if (embedPort) embedHost.useRemote(embedPort);
const log = createLogger(config.logLevel);
// Writes yield the CPU to the thread answering requests (and to the search workers).
runInBackground();

await serveThread(async () => {
  const kb = await KnowledgeBase.open(config, log, { mode: 'write' });
  kb.onChange(() => emit('changed', kb.health()));
  // `kb serve --watch DIR`: what is dropped into the folders is ingested here, between the other writes.
  const watch = config.watch.length
    ? new FolderWatch(kb, config.watch, {
        intervalMs: config.watchIntervalMs,
        settleMs: config.watchSettleMs,
        deleteMissing: config.watchDeleteMissing,
        log,
      })
    : null;
  watch?.start();
  type Args<K extends keyof KnowledgeBase> = KnowledgeBase[K] extends (...a: infer A) => unknown ? A : never;
  return {
    upload: ([files]: Args<'upload'>) => kb.upload(files, { embed: 'after' }),
    fetchWeb: ([urls, options]: Args<'fetchWeb'>) => kb.fetchWeb(urls, options),
    delete: async ([ids]: Args<'delete'>) => {
      const { deleted, failed } = await kb.delete(ids);
      return {
        deleted,
        failed: failed.map((f) => ({ id: f.id, error: { code: f.error.code, params: f.error.params } })),
      };
    },
    health: () => kb.health(),
    embedderKind: () => kb.embeddings.kind,
    close: async () => {
      await watch?.stop();
      await kb.close();
    },
  };
});
