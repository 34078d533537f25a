import { KbError } from '../errors.js';
import { embedHost, type Priority } from './embed-host.js';
import type { Embedder } from './embedder.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assertModelFolder, isModelInstalled, locateModel, onnxFile, type ModelLocation } from './model-files.js';
import { modelSettings, type ModelSettings, type Pooling } from './model-family.js';

export interface TransformersOptions {
  /** Model id (e.g. Xenova/bge-small-en-v1.5) or a local model folder. */
  model: string;
  /** Where downloaded and imported models live. */
  modelsDir: string;
  /** Refuse to download (transformers.js allowRemoteModels = false). */
  offline: boolean;
  /** Where to download from (transformers.js env.remoteHost); the hub when absent. */
  remoteHost?: string;
  quantized: boolean;
  threads: number;
  batchSize: number;
  /** Prefix for queries (default: the model's files or family, see model-family.ts; '' for none). */
  queryInstruction?: string;
  /** Prefix for passages (default: the model's files or family). */
  passagePrefix?: string;
  /** Pooling (default 'auto': the model's files or family). */
  pooling?: Pooling | 'auto';
  onProgress?: (p: { file: string; loaded: number; total: number; status: string }) => void;
}

export { BGE_QUERY_INSTRUCTION } from './model-family.js';

let keys = 0;

/**
 * A transformers.js (ONNX) sentence-embedding model, run in the process's
 * embedding worker: pooled as its family was trained (CLS for bge, mean for
 * the others, or as its 1_Pooling config says), L2-normalised; its query and
 * passage prefixes applied. Its id names the model and fingerprints its ONNX
 * file and these settings, so a different model in a folder of the same
 * name, or other settings, never mixes with vectors already stored.
 */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly builtin = false;
  readonly description: string;
  readonly settings: ModelSettings;
  readonly overLimit: { texts: number; tokens: number };
  private readonly key: string;
  private readonly options: TransformersOptions;

  private constructor(
    key: string,
    dim: number,
    location: ModelLocation,
    options: TransformersOptions,
    settings: ModelSettings,
    maxTokens: number,
  ) {
    this.overLimit = { texts: 0, tokens: maxTokens };
    this.key = key;
    this.dim = dim;
    this.options = options;
    this.settings = settings;
    const name = `${location.isPath ? location.name : options.model}${options.quantized ? '' : ':fp32'}`;
    this.id = `transformers:${name}@${fingerprint(path.join(location.dir, onnxFile(options.quantized)), settings)}`;
    const prefixes = [
      settings.queryPrefix ? `queries "${settings.queryPrefix.trim()}"` : null,
      settings.passagePrefix ? `passages "${settings.passagePrefix.trim()}"` : null,
    ].filter(Boolean);
    this.description =
      `transformers.js model ${options.model}${options.quantized ? ' (quantized)' : ''}, ${dim} ` +
      `dimensions, ${settings.pooling.toUpperCase()} pooling, ${maxTokens} tokens at most` +
      `${prefixes.length ? `, prefixes: ${prefixes.join(', ')}` : ''} (from the ${settings.source}), run locally`;
  }

  /** Loads the model (downloading it first when allowed and not installed). */
  static async open(options: TransformersOptions): Promise<TransformersEmbedder> {
    const location = locateModel(options.model, options.modelsDir);
    if (location.isPath) assertModelFolder(location.dir, options.quantized);
    else if (options.offline && !isModelInstalled(location, options.quantized)) {
      throw new KbError('MODEL_NOT_FOUND', { model: `${options.model} (in ${options.modelsDir}, offline)` });
    }
    const key = `m${++keys}`;
    const settings = modelSettings(options.model, location.dir, {
      pooling: options.pooling,
      queryPrefix: options.queryInstruction,
      passagePrefix: options.passagePrefix,
    });
    try {
      const reply = await embedHost.request(
        {
          op: 'load',
          key,
          options: {
            modelName: location.name,
            localModelPath: location.localModelPath,
            cacheDir: options.modelsDir,
            allowRemote: !options.offline && !location.isPath,
            remoteHost: options.remoteHost,
            quantized: options.quantized,
            threads: options.threads,
            pooling: settings.pooling,
            maxTokens: settings.maxTokens,
          },
        },
        [],
        options.onProgress,
      );
      return new TransformersEmbedder(key, reply.dim!, location, options, settings, reply.maxTokens ?? 512);
    } catch (err) {
      throw new KbError('MODEL_LOAD_FAILED', { model: options.model, detail: (err as Error).message }, { cause: err });
    }
  }

  private async request(texts: string[], priority: Priority, prefix = ''): Promise<Float32Array[]> {
    try {
      const reply = await embedHost.request({ op: 'embed', key: this.key, texts, prefix }, [], undefined, priority);
      this.overLimit.texts += reply.split ?? 0;
      return reply.vectors!;
    } catch (err) {
      throw new KbError(
        'MODEL_LOAD_FAILED',
        { model: this.options.model, detail: (err as Error).message },
        { cause: err },
      );
    }
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize)
      out.push(
        ...(await this.request(texts.slice(i, i + this.options.batchSize), 'document', this.settings.passagePrefix)),
      );
    return out;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [v] = await this.request([this.settings.queryPrefix + text], 'query');
    return v!;
  }

  async close(): Promise<void> {
    await embedHost.request({ op: 'unload', key: this.key }).catch(() => undefined);
  }
}

/** 12 hex digits of SHA-256 over the ONNX file and the settings that change the vectors. */
function fingerprint(onnx: string, settings: ModelSettings): string {
  const hash = createHash('sha256');
  try {
    const fd = fs.openSync(onnx, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      let n: number;
      while ((n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0) hash.update(chunk.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    hash.update('no onnx file');
  }
  hash.update(`\0${settings.pooling}\0${settings.queryPrefix}\0${settings.passagePrefix}`);
  // A limit other than the tokenizer's changes the vectors of long passages.
  if (settings.maxTokens) hash.update(`\0${settings.maxTokens}`);
  return hash.digest('hex').slice(0, 12);
}
