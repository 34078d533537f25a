// Runs a transformers.js feature-extraction pipeline in a worker thread, so
// embedding never blocks the server's event loop. Plain JavaScript, loaded
// the same way by the CLI, the server and the tests.
//
// workerData: { modelName, localModelPath, cacheDir, allowRemote, quantized, threads }
// in:  { id, texts }            out: { id, vectors } | { id, error }
// at start: { ready: true, dim } | { fatal, code }
import { parentPort, workerData } from 'node:worker_threads';
import { env, pipeline } from '@xenova/transformers';

const { modelName, localModelPath, cacheDir, allowRemote, quantized, threads } = workerData;

env.allowRemoteModels = Boolean(allowRemote);
env.allowLocalModels = true;
env.localModelPath = localModelPath;
env.cacheDir = cacheDir;
env.useFSCache = true;

// transformers.js 2.x passes no session options to onnxruntime-node; wrap
// session creation so its thread pools are capped.
const ort = env.backends.onnx;
if (ort?.InferenceSession?.create) {
  const create = ort.InferenceSession.create.bind(ort.InferenceSession);
  ort.InferenceSession.create = (model, options = {}) =>
    create(model, { ...options, intraOpNumThreads: threads, interOpNumThreads: 1 });
}

let extractor;

async function embed(texts) {
  const output = await extractor(texts, { pooling: 'mean', normalize: true });
  const [batch, dim] = output.dims;
  const data = output.data;
  const vectors = [];
  for (let i = 0; i < batch; i++) vectors.push(Float32Array.from(data.subarray(i * dim, (i + 1) * dim)));
  if (typeof output.dispose === 'function') output.dispose();
  return vectors;
}

try {
  extractor = await pipeline('feature-extraction', modelName, {
    quantized,
    progress_callback: (p) => {
      if (p.status === 'progress' || p.status === 'done') parentPort.postMessage({ progress: { file: p.file, loaded: p.loaded ?? 0, total: p.total ?? 0, status: p.status } });
    },
  });
  const [probe] = await embed(['dimension probe']);
  parentPort.postMessage({ ready: true, dim: probe.length });
} catch (err) {
  parentPort.postMessage({ fatal: String(err?.message ?? err).slice(0, 500) });
}

parentPort.on('message', async ({ id, texts }) => {
  try {
    const vectors = await embed(texts);
    parentPort.postMessage({ id, vectors }, vectors.map((v) => v.buffer));
  } catch (err) {
    parentPort.postMessage({ id, error: String(err?.message ?? err).slice(0, 500) });
  }
});
