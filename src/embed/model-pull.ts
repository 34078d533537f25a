import fs from 'node:fs';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { KbError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { importModelChecked, type ModelManifest } from './model-import.js';
import { onnxFile, REQUIRED_FILES } from './model-files.js';

/** Files a model may have beside the required ones: pooling, prompts (model-family.ts reads them), special tokens. */
export const OPTIONAL_FILES = [
  '1_Pooling/config.json',
  'config_sentence_transformers.json',
  'sentence_bert_config.json',
  'special_tokens_map.json',
];

export interface PullOptions {
  model: string;
  modelsDir: string;
  /** The hub or a mirror (Hugging Face layout: {host}{model}/resolve/{revision}/{file}). */
  host: string;
  /** A branch, tag or commit; a commit pins exactly what is installed. */
  revision: string;
  quantized: boolean;
  /** Longest one file may take to download, in ms. */
  timeoutMs: number;
  open: (dir: string, quantized: boolean) => Promise<Embedder>;
  onProgress?: (p: { file: string; loaded: number; total: number; status: string }) => void;
}

/** One file downloaded to disk as it arrives, hashed on the way; null when the host has no such file (404). */
async function download(
  url: string,
  target: string,
  file: string,
  o: PullOptions,
): Promise<{ commit: string | null } | null> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs), headers: { 'user-agent': 'council-kb/0.1' } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new KbError('MODEL_LOAD_FAILED', { model: o.model, detail: `${file}: ${cause ?? (err as Error).message}` });
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw new KbError('MODEL_LOAD_FAILED', { model: o.model, detail: `${file}: the host answered ${res.status}` });
  }
  const total = Number(res.headers.get('content-length')) || 0;
  let loaded = 0;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      loaded += chunk.length;
      o.onProgress?.({ file, loaded, total, status: 'progress' });
      done(null, chunk);
    },
  });
  await streamPipeline(Readable.fromWeb(res.body as never), count, fs.createWriteStream(target));
  o.onProgress?.({ file, loaded, total, status: 'done' });
  return { commit: res.headers.get('x-repo-commit') };
}

/**
 * `kb model pull` (and the first start of a connected machine): downloads
 * every file the model needs (its tokenizer, its ONNX graph, and its pooling
 * and prompt config when it has them) from the revision asked for into a
 * temporary folder, then installs it as `kb model import` does: checked by
 * embedding with it, every file's SHA-256 recorded with the host, the
 * revision and the commit the host served, moved into place in one rename.
 * A failed or partial download installs nothing.
 */
export async function pullModel(o: PullOptions): Promise<ModelManifest> {
  const temp = path.join(o.modelsDir, `.pulling-${process.pid}-${Date.now()}`);
  const dir = path.join(temp, 'model');
  const base = `${o.host.replace(/\/?$/, '/')}${o.model}/resolve/${encodeURIComponent(o.revision)}/`;
  try {
    let commit: string | null = null;
    for (const file of [...REQUIRED_FILES, onnxFile(o.quantized), ...OPTIONAL_FILES]) {
      const rel = file.split(path.sep).join('/');
      const got = await download(`${base}${rel}`, path.join(dir, file), rel, o);
      if (!got && !OPTIONAL_FILES.includes(rel))
        throw new KbError('MODEL_LOAD_FAILED', { model: o.model, detail: `${rel}: not on the host at ${o.revision}` });
      commit ??= got?.commit ?? null;
    }
    const { manifest } = await importModelChecked(dir, o.modelsDir, o.model, o.open, {
      source: `${base}`,
      host: o.host,
      revision: o.revision,
      commit,
    });
    return manifest;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}
