import type { Embedder } from './embedder.js';
import { embedLsa, type LsaModel } from './lsa/lsa-model.js';

export const BUILTIN_FAMILY = 'builtin-lsa';

/**
 * The built-in embedder: needs nothing downloaded. It is latent semantic
 * analysis trained on this collection (see lsa-model.ts), not a neural
 * model, and says so wherever the active embedder is named.
 */
export class BuiltinEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly builtin = true;
  readonly description: string;
  readonly model: LsaModel;

  constructor(model: LsaModel) {
    this.model = model;
    this.id = `${BUILTIN_FAMILY}-${model.dim}d@${model.fit}`;
    this.dim = model.dim;
    this.description =
      `Built-in offline embedder: latent semantic analysis (TF-IDF + truncated SVD, ${model.dim} ` +
      `dimensions) trained on ${model.fittedOn} passages of this collection. Not a neural model; install one for ` +
      `better semantic search.`;
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => embedLsa(this.model, t));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return embedLsa(this.model, text, true);
  }

  async close(): Promise<void> {}
}
