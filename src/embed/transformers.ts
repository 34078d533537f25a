import { Worker } from 'node:worker_threads';
import { KbError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { assertModelFolder, isModelInstalled, locateModel, type ModelLocation } from './model-files.js';

export interface TransformersOptions {
  /** Model id (e.g. Xenova/bge-small-en-v1.5) or a local model folder. */
  model: string;
  /** Where downloaded and imported models live. */
  modelsDir: string;
  /** Refuse to download (transformers.js allowRemoteModels = false). */
  offline: boolean;
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

type Reply = { id: number; vectors?: Float32Array[]; error?: string };

/**
 * A transformers.js (ONNX) sentence-embedding model, run in a worker thread:
 * mean-pooled, L2-normalised vectors; the query instruction on queries only.
 */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly builtin = false;
  readonly description: string;
  private readonly worker: Worker;
  private readonly options: TransformersOptions;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();

  private constructor(worker: Worker, dim: number, location: ModelLocation, options: TransformersOptions) {
    this.worker = worker;
    this.dim = dim;
    this.options = options;
    this.id = `transformers:${location.isPath ? location.name : options.model}${options.quantized ? '' : ':fp32'}`;
    this.description = `transformers.js model ${options.model}${options.quantized ? ' (quantized)' : ''}, ${dim} dimensions, run locally`;
    worker.on('message', (msg: Reply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new KbError('MODEL_LOAD_FAILED', { model: options.model, detail: msg.error }));
      else p.resolve(msg.vectors!);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => this.failAll(new Error('embedding worker stopped')));
  }

  /** Loads the model (downloading it first when allowed and not installed). */
  static async open(options: TransformersOptions): Promise<TransformersEmbedder> {
    const location = locateModel(options.model, options.modelsDir);
    if (location.isPath) assertModelFolder(location.dir, options.quantized);
    else if (options.offline && !isModelInstalled(location, options.quantized)) {
      throw new KbError('MODEL_NOT_FOUND', { model: `${options.model} (in ${options.modelsDir}, offline)` });
    }
    const worker = new Worker(new URL('./embed-worker.js', import.meta.url), {
      workerData: {
        modelName: location.name,
        localModelPath: location.localModelPath,
        cacheDir: options.modelsDir,
        allowRemote: !options.offline && !location.isPath,
        quantized: options.quantized,
        threads: options.threads,
      },
    });
    const dim = await new Promise<number>((resolve, reject) => {
      const onMessage = (msg: { ready?: boolean; dim?: number; fatal?: string; progress?: { file: string; loaded: number; total: number; status: string } }) => {
        if (msg.progress) options.onProgress?.(msg.progress);
        else if (msg.ready) { worker.off('message', onMessage); resolve(msg.dim!); }
        else if (msg.fatal) { worker.off('message', onMessage); void worker.terminate(); reject(new KbError('MODEL_LOAD_FAILED', { model: options.model, detail: msg.fatal })); }
      };
      worker.on('message', onMessage);
      worker.once('error', (err) => reject(new KbError('MODEL_LOAD_FAILED', { model: options.model, detail: err.message }, { cause: err })));
    });
    return new TransformersEmbedder(worker, dim, location, options);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private request(texts: string[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      const id = this.next++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, texts });
    });
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize) out.push(...(await this.request(texts.slice(i, i + this.options.batchSize))));
    return out;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [v] = await this.request([this.options.queryInstruction + text]);
    return v!;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
