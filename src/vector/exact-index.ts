import { dot } from './codec.js';
import type { Neighbour, VectorIndex } from './vector-index.js';

/**
 * Brute-force exact search: the reference the HNSW index is measured
 * against, and the contract suite's second implementation.
 */
export class ExactIndex implements VectorIndex {
  readonly dim: number;
  private readonly vectors = new Map<number, Float32Array>();

  constructor(dim: number) {
    this.dim = dim;
  }

  size(): number {
    return this.vectors.size;
  }

  has(id: number): boolean {
    return this.vectors.has(id);
  }

  add(items: { id: number; vector: Float32Array }[]): void {
    for (const { id, vector } of items) {
      if (vector.length !== this.dim)
        throw new Error(`vector of ${vector.length} dimensions in an index of ${this.dim}`);
      this.vectors.set(id, vector);
    }
  }

  remove(ids: number[]): void {
    for (const id of ids) this.vectors.delete(id);
  }

  search(query: Float32Array, k: number, accept?: (id: number) => boolean): Neighbour[] {
    const out: Neighbour[] = [];
    for (const [id, v] of this.vectors) if (!accept || accept(id)) out.push({ id, score: dot(query, v) });
    return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k);
  }

  labels(): number[] {
    return [...this.vectors.keys()];
  }
}
