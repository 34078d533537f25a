/**
 * The one interface every embedder implements. Vectors are L2-normalised,
 * so cosine similarity is a dot product.
 */
export interface Embedder {
  /** Stable identity, recorded with every stored vector (changes when the model does). */
  readonly id: string;
  readonly dim: number;
  /** What it is, in words, for `/api/health`, `kb stats` and the web page. */
  readonly description: string;
  /** True for the built-in offline embedder, which the page flags. */
  readonly builtin: boolean;
  embedDocuments(texts: string[]): Promise<Float32Array[]>;
  /**
   * Texts embedded so far that were longer than the model reads (each was
   * embedded in parts that fit, and its vector is their mean), and that limit
   * in tokens; for models with one.
   */
  readonly overLimit?: { texts: number; tokens: number };
  embedQuery(text: string): Promise<Float32Array>;
  close(): Promise<void>;
}
