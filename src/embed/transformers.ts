import { KbError } from '../errors.js';
import { embedHost, type Priority } from './embed-host.js';
import type { Embedder } from './embedder.js';
import { assertModelFolder, isModelInstalled, locateModel, type ModelLocation } from './model-files.js';

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
  /** Prefix for queries only (bge models are trained with one). */
  queryInstruction: string;
  onProgress?: (p: { file: string; loaded: number; total: number; status: string }) => void;
}

/** The instruction bge English models expect before a search query. */
export const BGE_QUERY_INSTRUCTION = 'Represent this sentence for searching relevant passages: ';

export function defaultQueryInstruction(model: string): string {
  return /bge-(small|base|large)-en/i.test(model) ? BGE_QUERY_INSTRUCTION : '';
}

let keys = 0;

/**
 * A transformers.js (ONNX) sentence-embedding model, run in the process's
 * embedding worker: mean-pooled, L2-normalised vectors; the query
 * instruction on queries only.
 */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly builtin = false;
  readonly description: string;
  private readonly key: string;
  private readonly options: TransformersOptions;

  private constructor(key: string, dim: number, location: ModelLocation, options: TransformersOptions) {
    this.key = key;
    this.dim = dim;
    this.options = options;
    this.id = `transformers:${location.isPath ? location.name : options.model}${options.quantized ? '' : ':fp32'}`;
    this.description =
      `transformers.js model ${options.model}${options.quantized ? ' (quantized)' : ''}, ${dim} ` +
      `dimensions, run locally`;
  }

  /** Loads the model (downloading it first when allowed and not installed). */
  static async open(options: TransformersOptions): Promise<TransformersEmbedder> {
    const location = locateModel(options.model, options.modelsDir);
    if (location.isPath) assertModelFolder(location.dir, options.quantized);
    else if (options.offline && !isModelInstalled(location, options.quantized)) {
      throw new KbError('MODEL_NOT_FOUND', { model: `${options.model} (in ${options.modelsDir}, offline)` });
    }
    const key = `m${++keys}`;
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
          },
        },
        [],
        options.onProgress,
      );
      return new TransformersEmbedder(key, reply.dim!, location, options);
    } catch (err) {
      throw new KbError('MODEL_LOAD_FAILED', { model: options.model, detail: (err as Error).message }, { cause: err });
    }
  }

  private async request(texts: string[], priority: Priority): Promise<Float32Array[]> {
    try {
      return (await embedHost.request({ op: 'embed', key: this.key, texts }, [], undefined, priority)).vectors!;
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
      out.push(...(await this.request(texts.slice(i, i + this.options.batchSize), 'document')));
    return out;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [v] = await this.request([this.options.queryInstruction + text], 'query');
    return v!;
  }

  async close(): Promise<void> {
    await embedHost.request({ op: 'unload', key: this.key }).catch(() => undefined);
  }
}
