/**
 * The narrow interface of a vector index: integer labels (passage ids) and
 * L2-normalised vectors, searched by cosine similarity. The text and
 * everything else about a passage stays in SQLite.
 */
export interface Neighbour {
  id: number;
  /** Cosine similarity, 1 = same direction. */
  score: number;
}

export interface VectorIndex {
  readonly dim: number;
  /** Live (not deleted) vectors. */
  size(): number;
  has(id: number): boolean;
  add(items: { id: number; vector: Float32Array }[]): void;
  remove(ids: number[]): void;
  /** The k nearest vectors; `accept` limits the labels that may be returned. */
  search(query: Float32Array, k: number, accept?: (id: number) => boolean): Neighbour[];
  /** Every live label. */
  labels(): number[];
}
