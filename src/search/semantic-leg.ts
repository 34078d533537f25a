import type { Embedder } from '../embed/embedder.js';
import { hasFilters, type Filters, type PassageReads } from '../store/passage-reads.js';
import { isNonZero } from '../vector/codec.js';
import type { VectorIndex } from '../vector/vector-index.js';
import type { Ranked } from './fusion.js';

export interface SemanticParts {
  passages: PassageReads;
  /** The vector index as it stands (never changed by a search). */
  index: () => VectorIndex | null;
  /** The embedder whose vectors the index holds (null: none yet). */
  queryEmbedder: () => Embedder | null;
}

/** The semantic leg: HNSW k-NN with the query vector; with filters, only passages that pass them are accepted. */
export class SemanticLeg {
  private readonly parts: SemanticParts;

  constructor(parts: SemanticParts) {
    this.parts = parts;
  }

  async rank(text: string, depth: number, filters: Filters = {}, precomputed?: Float32Array): Promise<Ranked[]> {
    const embedder = this.parts.queryEmbedder();
    const index = this.parts.index();
    if (!embedder || !index || index.size() === 0) return [];
    const vector = precomputed ?? (await embedder.embedQuery(text));
    return this.nearest(vector, depth, filters);
  }

  /** The passages nearest to a vector, among those the filters allow and `accept` lets through. */
  nearest(vector: Float32Array, depth: number, filters: Filters = {}, accept?: (id: number) => boolean): Ranked[] {
    const index = this.parts.index();
    if (!index || !isNonZero(vector)) return [];
    const allowed = hasFilters(filters) ? this.parts.passages.allowed(filters) : null;
    if (!allowed && !accept) return index.search(vector, depth);
    return index.search(
      vector,
      depth,
      (id) => (allowed === null || allowed.has(id)) && (accept === undefined || accept(id)),
    );
  }

  /** The embedder that makes query vectors, as results name it. */
  embedderRef(): { id: string; dim: number; builtin: boolean } | null {
    const e = this.parts.queryEmbedder();
    return e ? { id: e.id, dim: e.dim, builtin: e.builtin } : null;
  }
}
