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
  embedQuery(text: string): Promise<Float32Array>;
  close(): Promise<void>;
}

export function l2normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A vector as the bytes stored in SQLite, and back. */
export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobToVector(blob: Uint8Array): Float32Array {
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}
