import type { Embedder } from '../embed/embedder.js';
import { hasFilters, type Filters, type PassageReads } from '../store/passage-reads.js';
import { blobToVector, dot, isNonZero } from '../vector/codec.js';
import type { VectorIndex } from '../vector/vector-index.js';
import type { Ranked } from './fusion.js';

/** Passages a search is limited to, or must leave out (a query's quoted and excluded terms). */
export interface Constraint {
  /** Only these passages (null: any). */
  within: Set<number> | null;
  /** Never these. */
  without: Set<number> | null;
}

/**
 * Up to this many allowed passages are scored exactly (their vectors read
 * and compared one by one) rather than searched in the graph: HNSW with a
 * filter that few passages pass explores most of the graph before it has k.
 */
export const EXACT_SCORING_LIMIT = 10_000;

export interface SemanticParts {
  passages: PassageReads;
  /** The stored vectors of some passages, by the embedder's id. */
  vectors: (model: string, ids: readonly number[]) => { id: number; vector: Buffer }[];
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

  async rank(
    text: string,
    depth: number,
    filters: Filters = {},
    precomputed?: Float32Array,
    constraint?: Constraint,
  ): Promise<Ranked[]> {
    const embedder = this.parts.queryEmbedder();
    const index = this.parts.index();
    if (!embedder || !index || index.size() === 0) return [];
    const vector = precomputed ?? (await embedder.embedQuery(text));
    if (!constraint) return this.nearest(vector, depth, filters);
    const { within, without } = constraint;
    if (within && within.size <= EXACT_SCORING_LIMIT) {
      let ids = [...within].filter((id) => !without?.has(id));
      if (hasFilters(filters)) {
        const allowed = this.parts.passages.allowedAmong(ids, filters);
        ids = ids.filter((id) => allowed.has(id));
      }
      return this.exact(vector, embedder.id, ids, depth);
    }
    return this.nearest(
      vector,
      depth,
      filters,
      (id) => (within === null || within.has(id)) && (without === null || !without.has(id)),
    );
  }

  /** The nearest of the given passages, each compared with the query vector. */
  private exact(vector: Float32Array, model: string, ids: number[], depth: number): Ranked[] {
    if (!isNonZero(vector)) return [];
    const scored = this.parts
      .vectors(model, ids)
      .map((r) => ({ id: r.id, score: dot(vector, blobToVector(r.vector)) }));
    return scored.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, depth);
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
