import type { SearchResponse } from '../api/responses.js';
import type { Embedder } from '../embed/embedder.js';
import type { Store } from '../store/store.js';
import type { VectorIndex } from '../vector/vector-index.js';
import { reciprocalRankFusion, weightedFusion, type Ranked } from './fusion.js';
import { Hits, round } from './hits.js';
import { COMMON_WORD_POSTINGS, COMMON_WORD_SHARE, LexicalLeg } from './lexical-leg.js';
import { parseQuery, type ParsedQuery } from './query.js';
import { standingLast } from './repeated-text.js';
import { DEFAULTS } from '../config.js';
import { SemanticLeg } from './semantic-leg.js';
import type { SearchRequest } from './types.js';

export interface SearchOptions {
  fusion: 'rrf' | 'weighted';
  /** RRF's k: how fast credit falls with rank. */
  rrfK: number;
  /** Weighted fusion: the lexical share (semantic gets the rest). */
  lexicalWeight: number;
  /** See LexicalLeg. */
  commonWordShare: number;
  commonWordPostings: number;
  /** Postings an OR query may score before the lexical leg asks for all the words first (see planLexical). */
  lexicalBudget: number;
  /** Documents that make repeated text standing text (KB_REPEAT_MIN_DOCUMENTS). */
  standingMinDocuments: number;
}

export const DEFAULT_SEARCH: SearchOptions = {
  fusion: 'rrf',
  rrfK: 60,
  lexicalWeight: 0.5,
  commonWordShare: COMMON_WORD_SHARE,
  commonWordPostings: COMMON_WORD_POSTINGS,
  lexicalBudget: DEFAULTS.lexicalBudget,
  standingMinDocuments: DEFAULTS.repeatMinDocuments,
};

/** What a searcher reads: the store, the vector index as it stands, and the embedder that makes query vectors. */
export interface SearchParts {
  store: Store;
  index: () => VectorIndex | null;
  queryEmbedder: () => Embedder | null;
  /** The active embedder as results name it (lexical searches name it without loading the query embedder). */
  embedderInfo: () => { id: string; dim: number; builtin: boolean } | null;
}

/**
 * Hybrid retrieval: FTS5 bm25 and HNSW k-NN, each over-fetching candidates,
 * fused (RRF by default), filtered, capped per document, and returned with
 * snippets and citations. Reads only.
 */
export class Searcher {
  readonly lexical: LexicalLeg;
  readonly semantic: SemanticLeg;
  readonly hits: Hits;
  readonly parts: SearchParts;
  private readonly options: SearchOptions;

  constructor(parts: SearchParts, options: Partial<SearchOptions> = {}) {
    this.parts = parts;
    this.options = { ...DEFAULT_SEARCH, ...options };
    const { store } = parts;
    this.lexical = new LexicalLeg(
      store.passages,
      {
        commonWordShare: this.options.commonWordShare,
        commonWordPostings: this.options.commonWordPostings,
        budget: this.options.lexicalBudget,
      },
      () => store.meta.vectorsGeneration(),
    );
    this.semantic = new SemanticLeg({
      passages: store.passages,
      index: parts.index,
      queryEmbedder: parts.queryEmbedder,
    });
    this.hits = new Hits(store.passages, this.options.standingMinDocuments);
  }

  async search(req: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const query = parseQuery(req.q);
    const repeats = req.repeats ?? 'collapse';
    const ranked = this.hits.collapse(await this.rank(req, query), repeats);
    const page = this.hits.page(ranked, req.k, req.perDoc, query, req.snippets !== false);
    const results = repeats === 'collapse' ? standingLast(page, (h) => h.repeated?.standing === true) : page;
    return {
      query: req.q,
      mode: req.mode,
      embedder: req.mode === 'lexical' ? ref(this.parts.embedderInfo()) : this.semantic.embedderRef(),
      took_ms: round(performance.now() - started, 1),
      results,
    };
  }

  /** Candidate passage ids, best first, before the per-document cap. */
  async rank(req: SearchRequest, query: ParsedQuery = parseQuery(req.q)): Promise<Ranked[]> {
    // Enough candidates to fill k after the per-document cap and filters.
    const depth = Math.max(50, req.k * 5);
    const lexical = req.mode === 'semantic' ? [] : this.lexical.rank(query, depth, req);
    const semantic = req.mode === 'lexical' ? [] : await this.semantic.rank(req.q, depth, req, req.vector);
    if (req.mode === 'lexical') return lexical;
    if (req.mode === 'semantic') return semantic;
    const fused =
      this.options.fusion === 'rrf'
        ? reciprocalRankFusion([lexical, semantic], { k: this.options.rrfK })
        : weightedFusion([lexical, semantic], [this.options.lexicalWeight, 1 - this.options.lexicalWeight]);
    return fused.map((f) => ({ id: f.id, score: f.score }));
  }
}

function ref(
  e: { id: string; dim: number; builtin: boolean } | null,
): { id: string; dim: number; builtin: boolean } | null {
  return e ? { id: e.id, dim: e.dim, builtin: e.builtin } : null;
}
