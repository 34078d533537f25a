// One worker thread per process runs transformers.js (onnxruntime-node can be
// loaded by only one thread of a process), so embedding never blocks the
// event loop. The server also runs this file as a child process that embeds
// queries only (see query-process.ts), so a query never waits for a passage.
// Plain JavaScript, loaded the same way by the CLI, the server and the
// tests. Requests, answered with the same id:
//   { id, op: 'load', key, options: { modelName, localModelPath, cacheDir, allowRemote, remoteHost, quantized,
//                                     threads, pooling, maxTokens } }
//        -> { id, dim } | { id, error }      (progress: { id, progress })
//   { id, op: 'embed', key, texts, prefix, priority } -> { id, vectors, split } | { id, error }
//        (priority 'query' goes first, and between the slices of a batch of passages; passages get the
//         prefix, and those longer than the model reads are embedded in parts: `split` counts them)
//   { id, op: 'unload', key }       -> { id }
import fs from 'node:fs';
import path from 'node:path';
import { parentPort as threadPort } from 'node:worker_threads';
import ortNode from 'onnxruntime-node';
import { env, pipeline } from '@xenova/transformers';

/** The thread's port, or the process's IPC channel when run as a child process. */
const parentPort = threadPort ?? {
  postMessage: (msg) => process.send?.(msg),
  on: (event, listener) => process.on(event, listener),
};
// A child process ends with its parent (the channel closes when the parent goes).
if (!threadPort) process.on('disconnect', () => process.exit(0));

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

/** The tokens a text takes, the model's own markers ([CLS], [SEP] or <s>, </s>) included. */
const tokenCount = (extractor, text) => extractor.tokenizer.encode(text).length;

/**
 * A passage as the model can read it: whole when it fits the model's token
 * limit; else cut between words into consecutive parts that each fit (each
 * with the passage prefix), so that no word is left out of its vector.
 * Returns the texts to embed with the tokens each takes.
 */
function windows(extractor, prefix, text) {
  const limit = extractor.tokenizer.model_max_length;
  const whole = prefix + text;
  const n = tokenCount(extractor, whole);
  if (n <= limit) return [{ text: whole, tokens: n }];
  // The prefix and the markers, counted once: encoding the prefix alone gives both.
  const budget = Math.max(1, limit - tokenCount(extractor, prefix));
  const words = text.match(/\S+\s*/g) ?? [];
  // Each word's own tokens, without the markers.
  const costs = words.map((w) => extractor.tokenizer.encode(w.trim(), null, { add_special_tokens: false }).length);
  const out = [];
  for (let i = 0; i < words.length;) {
    let end = i;
    for (let used = 0; end < words.length && (end === i || used + costs[end] <= budget); end++) used += costs[end];
    // Words counted alone can take other tokens together (merges across a space): check, and give back words.
    let part = prefix + words.slice(i, end).join('').trimEnd();
    let tokens = tokenCount(extractor, part);
    while (tokens > limit && end > i + 1) {
      end--;
      part = prefix + words.slice(i, end).join('').trimEnd();
      tokens = tokenCount(extractor, part);
    }
    out.push({ text: part, tokens });
    i = end;
  }
  return out;
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
  let maxTokens = fixTokenLimit(extractor);
  // The length the model was trained on (sentence_bert_config.json), when shorter than its position table.
  if (o.maxTokens > 0 && o.maxTokens < maxTokens) extractor.tokenizer.model_max_length = maxTokens = o.maxTokens;
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

/**
 * A batch of passages, slice by slice, answering the queries that arrive
 * meanwhile between slices. A passage longer than the model reads is embedded
 * in parts (see windows) and its vector is their mean, weighted by their
 * tokens, normalised: the whole passage is in it, never only its start.
 */
async function embedDocuments(extractor, texts, prefix = '') {
  const parts = texts.map((t) => windows(extractor, prefix, t));
  const flat = parts.flat();
  // Longest first (as sentence-transformers does): a slice holds texts of about one length, so little of
  // it is padding, and the first slices, the slowest, size the rest from above.
  const order = flat.map((_, i) => i).sort((a, b) => flat[b].tokens - flat[a].tokens);
  const out = new Array(flat.length);
  let size = 1;
  for (let i = 0; i < order.length;) {
    if (i > 0) await answerWaitingQueries();
    const slice = order.slice(i, i + size);
    const started = performance.now();
    const vectors = await embed(
      extractor,
      slice.map((at) => flat[at].text),
    );
    slice.forEach((at, k) => (out[at] = vectors[k]));
    const perPassage = Math.max((performance.now() - started) / slice.length, 1e-3);
    size = Math.max(1, Math.min(MAX_SLICE, Math.floor(SLICE_MS / perPassage)));
    i += slice.length;
  }
  let at = 0;
  const vectors = parts.map((ws) => {
    if (ws.length === 1) return out[at++];
    const sum = new Float32Array(out[at].length);
    for (const w of ws) {
      const v = out[at++];
      for (let j = 0; j < sum.length; j++) sum[j] += v[j] * w.tokens;
    }
    let norm = 0;
    for (const x of sum) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < sum.length; j++) sum[j] /= norm;
    return sum;
  });
  return { vectors, split: parts.filter((ws) => ws.length > 1).length };
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
      const { vectors, split } =
        msg.priority === 'query'
          ? { vectors: await embed(extractor, msg.texts), split: 0 }
          : await embedDocuments(extractor, msg.texts, msg.prefix ?? '');
      parentPort.postMessage(
        { id: msg.id, vectors, split },
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
