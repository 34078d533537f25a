// One worker thread per process runs transformers.js (onnxruntime-node can be
// loaded by only one thread of a process), so embedding never blocks the
// event loop. Plain JavaScript, loaded the same way by the CLI, the server
// and the tests. Requests, answered with the same id:
//   { id, op: 'load', key, options: { modelName, localModelPath, cacheDir, allowRemote, remoteHost, quantized,
//                                     threads, pooling } }
//        -> { id, dim } | { id, error }      (progress: { id, progress })
//   { id, op: 'embed', key, texts, priority } -> { id, vectors, overLimit } | { id, error }
//        (priority 'query' goes first, and between the slices of a batch of passages)
//   { id, op: 'unload', key }       -> { id }
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import ortNode from 'onnxruntime-node';
import { env, pipeline } from '@xenova/transformers';

const pipelines = new Map();
/** Each loaded model's pooling ('cls' or 'mean'), as its family was trained. */
const poolings = new WeakMap();
let threads = 1;

// transformers.js 2.x creates every session from the model file's bytes with
// no session options, and onnxruntime-node 1.14 ignores the options of a
// session created from bytes (microsoft/onnxruntime#17377): its thread pool
// would take every core. So session creation is wrapped: the session is made
// from the file being loaded, by path, with one intra-op thread pool of
// KB_EMBED_THREADS threads and no inter-op pool.
let sessionFile = null;
const Session = ortNode.InferenceSession;
const createSession = Session.create.bind(Session);
Session.create = (model, options = {}) => {
  // onnxruntime-node runs on the CPU only: the 'wasm' fallback transformers.js lists is for browsers.
  const opts = {
    ...options,
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  const byPath = model instanceof Uint8Array && sessionFile !== null && fs.existsSync(sessionFile);
  return createSession(byPath ? sessionFile : model, opts);
};

/** The ONNX file transformers.js will read for a model: the local folder first, then the download cache. */
function onnxPath(o) {
  const file = path.join('onnx', o.quantized ? 'model_quantized.onnx' : 'model.onnx');
  const local = path.join(o.localModelPath, o.modelName, file);
  return fs.existsSync(local) ? local : path.join(o.cacheDir, o.modelName, file);
}

/**
 * The tokens a model reads. A tokenizer whose model_max_length is the
 * "no limit" placeholder (1e30) would send onnxruntime sequences longer than
 * its position table and fail the batch: the model's own limit stands in.
 */
function fixTokenLimit(extractor) {
  const tokenizer = extractor.tokenizer;
  const positions = extractor.model?.config?.max_position_embeddings;
  if (!(tokenizer.model_max_length > 0 && tokenizer.model_max_length <= 100_000))
    tokenizer.model_max_length = positions > 0 ? positions : 512;
  return tokenizer.model_max_length;
}

/** How many of the texts are longer than the model reads (transformers.js cuts them at its limit). */
function overLimit(extractor, texts) {
  const limit = extractor.tokenizer.model_max_length;
  let n = 0;
  for (const t of texts) if (extractor.tokenizer.encode(t).length > limit) n++;
  return n;
}

async function embed(extractor, texts) {
  const output = await extractor(texts, {
    pooling: poolings.get(extractor) ?? 'mean',
    normalize: true,
    truncation: true,
  });
  const [batch, dim] = output.dims;
  const vectors = [];
  for (let i = 0; i < batch; i++) vectors.push(Float32Array.from(output.data.subarray(i * dim, (i + 1) * dim)));
  if (typeof output.dispose === 'function') output.dispose();
  return vectors;
}

/**
 * A sentence-embedding graph takes token ids and an attention mask and gives
 * the hidden state of every token (what pooling averages or takes the CLS of);
 * anything else is said plainly, before any text is embedded with it.
 */
function checkGraph(session) {
  const inputs = session?.inputNames ?? [];
  const outputs = session?.outputNames ?? [];
  const missing = ['input_ids', 'attention_mask'].filter((n) => !inputs.includes(n));
  const known = ['input_ids', 'attention_mask', 'token_type_ids'];
  const extra = inputs.filter((n) => !known.includes(n));
  if (missing.length || extra.length || !outputs.some((n) => n === 'last_hidden_state' || n === 'logits'))
    throw new Error(
      `the ONNX graph takes ${inputs.join(', ') || 'no inputs'} and gives ${outputs.join(', ') || 'no outputs'}; ` +
        'a sentence-embedding model takes input_ids and attention_mask (and token_type_ids) and gives ' +
        'last_hidden_state',
    );
}

async function load(id, key, o) {
  env.allowRemoteModels = Boolean(o.allowRemote);
  if (o.remoteHost) env.remoteHost = o.remoteHost.endsWith('/') ? o.remoteHost : `${o.remoteHost}/`;
  env.allowLocalModels = true;
  env.localModelPath = o.localModelPath;
  env.cacheDir = o.cacheDir;
  env.useFSCache = true;
  threads = Math.max(1, o.threads | 0);
  sessionFile = onnxPath(o);
  const extractor = await pipeline('feature-extraction', o.modelName, {
    quantized: o.quantized,
    progress_callback: (p) => {
      if (p.status === 'progress' || p.status === 'done')
        parentPort.postMessage({
          id,
          progress: { file: p.file, loaded: p.loaded ?? 0, total: p.total ?? 0, status: p.status },
        });
    },
  });
  checkGraph(extractor.model.session);
  const maxTokens = fixTokenLimit(extractor);
  sessionFile = null;
  pipelines.set(key, extractor);
  poolings.set(extractor, o.pooling === 'cls' ? 'cls' : 'mean');
  const [probe] = await embed(extractor, ['dimension probe']);
  return { dim: probe.length, maxTokens };
}

/** Requests waiting, answered one at a time: queries first, then the rest in order (loads change global settings). */
const waiting = [];
let running = false;

/**
 * Passages are run in slices of about SLICE_MS (at least one passage, at
 * most MAX_SLICE), sized from how long the last slice took, so a query waits
 * for at most one short slice, never for a whole batch. On a CPU, batching
 * more passages per run gains little (the bench measures it), so slicing
 * costs no throughput.
 */
const SLICE_MS = 100;
const MAX_SLICE = 32;

/** A batch of passages, slice by slice, answering the queries that arrive meanwhile between slices. */
async function embedDocuments(extractor, texts) {
  const out = [];
  let size = 1;
  for (let i = 0; i < texts.length;) {
    if (i > 0) await answerWaitingQueries();
    const part = texts.slice(i, i + size);
    const started = performance.now();
    out.push(...(await embed(extractor, part)));
    const perPassage = Math.max((performance.now() - started) / part.length, 1e-3);
    size = Math.max(1, Math.min(MAX_SLICE, Math.floor(SLICE_MS / perPassage)));
    i += part.length;
  }
  return out;
}

async function answerWaitingQueries() {
  // Let the messages that arrived during the last slice in.
  await new Promise((resolve) => setImmediate(resolve));
  for (let at; (at = waiting.findIndex((m) => m.priority === 'query' && m.op === 'embed')) >= 0;) {
    const [msg] = waiting.splice(at, 1);
    await handle(msg);
  }
}

async function handle(msg) {
  try {
    if (msg.op === 'load') parentPort.postMessage({ id: msg.id, ...(await load(msg.id, msg.key, msg.options)) });
    else if (msg.op === 'embed') {
      const extractor = pipelines.get(msg.key);
      if (!extractor) throw new Error('model not loaded');
      const vectors =
        msg.priority === 'query' ? await embed(extractor, msg.texts) : await embedDocuments(extractor, msg.texts);
      const cut = msg.priority === 'query' ? 0 : overLimit(extractor, msg.texts);
      parentPort.postMessage(
        { id: msg.id, vectors, overLimit: cut },
        vectors.map((v) => v.buffer),
      );
    } else if (msg.op === 'unload') {
      const extractor = pipelines.get(msg.key);
      pipelines.delete(msg.key);
      await extractor?.dispose?.();
      parentPort.postMessage({ id: msg.id });
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String(err?.message ?? err).slice(0, 500) });
  }
}

async function pump() {
  if (running) return;
  running = true;
  while (waiting.length) {
    const at = waiting.findIndex((m) => m.priority === 'query');
    const [msg] = waiting.splice(at >= 0 ? at : 0, 1);
    await handle(msg);
  }
  running = false;
}

parentPort.on('message', (msg) => {
  waiting.push(msg);
  void pump();
});
