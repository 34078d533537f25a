import type { MessagePort } from 'node:worker_threads';
import { encodeJson } from '../../api/encoded.js';
import { AskResponse, SearchResponse, TimelineResponse } from '../../api/responses.js';
import type { Config } from '../../config.js';
import { embedHost } from '../../embed/embed-host.js';
import { KnowledgeBase } from '../../knowledge-base.js';
import { createLogger } from '../../log.js';
import { serveThread, threadData } from './rpc.js';

/**
 * A search worker: the knowledge base opened for reading (a read-only
 * connection, its own copy of the vector index, the query embedder), answering
 * the read operations. After a write the main thread asks it to `refresh`: it
 * takes in the vector changes a step at a time, answering queries between
 * steps. It never writes anything.
 */
const { config, embedPort } = threadData<{ config: Config; embedPort?: MessagePort }>();
if (embedPort) embedHost.useRemote(embedPort);
// What a search worker would log at start the writer has already said: only warnings and errors from here.
const log = createLogger(config.logLevel === 'debug' ? 'debug' : config.logLevel === 'silent' ? 'silent' : 'warn');
/** Vector changes taken in per step of a refresh. */
const STEP = 2_000;

await serveThread(async () => {
  const kb = await KnowledgeBase.open(config, log, { mode: 'read' });
  let refreshing: Promise<void> | null = null;
  let again = false;
  const catchUp = async (): Promise<void> => {
    do {
      again = false;
      while (!kb.index.catchUp(STEP)) await new Promise((r) => setImmediate(r));
    } while (again);
  };
  const refresh = () => {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = catchUp().finally(() => (refreshing = null));
    return refreshing;
  };
  type Args<K extends keyof KnowledgeBase> = KnowledgeBase[K] extends (...a: infer A) => unknown ? A : never;
  return {
    // The heavy reads come back checked and written as JSON here, off the thread answering HTTP.
    search: async ([req]: Args<'search'>) => encodeJson(SearchResponse, await kb.search(req)),
    timeline: async ([req]: Args<'timeline'>) => encodeJson(TimelineResponse, await kb.timeline(req)),
    ask: async ([body]: Args<'ask'>) => encodeJson(AskResponse, await kb.ask(body)),
    similar: (a: Args<'similar'>) => kb.similar(...a),
    repeats: (a: Args<'repeats'>) => kb.repeats(...a),
    quotes: ([ids]: Args<'quotes'>) => kb.quotes(ids),
    documents: ([q]: Args<'documents'>) => kb.documents(q),
    document: ([id]: Args<'document'>) => kb.document(id),
    original: ([id]: Args<'original'>) => kb.original(id),
    stats: () => kb.stats(),
    refresh,
    close: () => kb.close(),
  };
});
