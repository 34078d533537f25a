import type { SearchResponse } from '../api/responses.js';
import type { Embedder } from '../embed/embedder.js';
import type { Store } from '../store/store.js';
import type { VectorIndex } from '../vector/vector-index.js';
import { reciprocalRankFusion, weightedFusion, type Ranked } from './fusion.js';
import { Hits, round, type Evidence } from './hits.js';
import type { FeedbackOptions } from './feedback.js';
import { MeaningFloors } from './meaning-floor.js';
import { interpret, searchedText, type Lexicon } from './spelling.js';
import { COMMON_WORD_POSTINGS, COMMON_WORD_SHARE, LexicalLeg } from './lexical-leg.js';
import { hasTerms, parseQuery, type ParsedQuery } from './query.js';
import { standingLast } from './repeated-text.js';
import { DEFAULTS, type Config } from '../config.js';
import { SemanticLeg } from './semantic-leg.js';
import type { Corrected, SearchRequest } from './types.js';

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
  /** Postings the impact index may read for a query of free words (0: FTS5 always). */
  impactBudget: number;
  /** Documents that make repeated text standing text (KB_REPEAT_MIN_DOCUMENTS). */
  standingMinDocuments: number;
  /** Pseudo-relevance feedback on the lexical leg (RM3), or none. */
  feedback: FeedbackOptions | null;
}

export const DEFAULT_SEARCH: SearchOptions = {
  fusion: 'rrf',
  rrfK: 60,
  lexicalWeight: 0.5,
  commonWordShare: COMMON_WORD_SHARE,
  commonWordPostings: COMMON_WORD_POSTINGS,
  lexicalBudget: DEFAULTS.lexicalBudget,
  impactBudget: DEFAULTS.impactBudget,
  standingMinDocuments: DEFAULTS.repeatMinDocuments,
  feedback: null,
};

/** The search options the configuration sets. */
export function searchOptionsFrom(config: Config): Partial<SearchOptions> {
  const feedbackOn = config.feedbackDocs > 0 && config.feedbackTerms > 0 && config.feedbackWeight < 1;
  return {
    standingMinDocuments: config.repeatMinDocuments,
    lexicalBudget: config.lexicalBudget,
    impactBudget: config.impactBudget,
    feedback: feedbackOn
      ? { docs: config.feedbackDocs, terms: config.feedbackTerms, originalWeight: config.feedbackWeight }
      : null,
  };
}

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
  readonly floors: MeaningFloors;
  readonly parts: SearchParts;
  private readonly lexicon: Lexicon;
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
        impactBudget: this.options.impactBudget,
      },
      () => store.meta.vectorsGeneration(),
      { rows: store.impacts, snapshot: (fn) => store.snapshot(fn) },
    );
    this.semantic = new SemanticLeg({
      passages: store.passages,
      vectors: (model, ids) => store.embeddings.vectorsOf(model, ids),
      index: parts.index,
      queryEmbedder: parts.queryEmbedder,
    });
    this.hits = new Hits(store.passages, this.options.standingMinDocuments);
    this.floors = new MeaningFloors(store);
    this.lexicon = {
      postings: (stem) => this.lexical.postings(stem),
      startingWith: (prefix, limit) => store.vocabulary.startingWith(prefix, limit),
      alike: (word, spread) => store.vocabulary.alike(word, spread),
    };
  }

  /**
   * What a search looks for: the text parsed (see query.ts), the word being
   * typed completed and typos corrected from the collection's vocabulary
   * (see spelling.ts) unless asked to search exactly as typed.
   */
  interpret(typed: string, asTyped = false): { query: ParsedQuery; corrected: Corrected | null } {
    const parsed = parseQuery(typed);
    if (asTyped) return { query: parsed, corrected: null };
    const { query, corrections } = this.parts.store.read(() => interpret(parsed, this.lexicon));
    return {
      query,
      corrected: corrections.length ? { query: searchedText(typed, corrections), changes: corrections } : null,
    };
  }

  async search(req: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const { query, corrected } = this.interpret(req.q, req.asTyped);
    const repeats = req.repeats ?? 'collapse';
    const found = await this.candidates(req, query);
    const ranked = this.hits.collapse(found.ranked, repeats);
    const page = this.hits.page(ranked, req.k, req.perDoc, query, req.snippets !== false, found.evidence);
    const results = repeats === 'collapse' ? standingLast(page.hits, (h) => h.repeated?.standing === true) : page.hits;
    return {
      query: req.q,
      mode: req.mode,
      embedder: req.mode === 'lexical' ? ref(this.parts.embedderInfo()) : this.semantic.embedderRef(),
      took_ms: round(performance.now() - started, 1),
      corrected,
      meaning_floor: found.evidence.floor === null ? null : round(found.evidence.floor, 4),
      below_floor: page.belowFloor,
      results,
    };
  }

  /** Candidate passage ids, best first, before the per-document cap and the meaning floor. */
  async rank(req: SearchRequest, query: ParsedQuery = parseQuery(req.q)): Promise<Ranked[]> {
    return (await this.candidates(req, query)).ranked;
  }

  /** The fused ranking, with what each leg found and the floor meaning-only passages must clear. */
  async candidates(req: SearchRequest, query: ParsedQuery): Promise<{ ranked: Ranked[]; evidence: Evidence }> {
    // Enough candidates to fill k after the per-document cap and filters.
    const depth = Math.max(50, req.k * 5);
    const none = { ranked: [], evidence: { lexical: new Set<number>(), similarity: new Map(), floor: null } };
    if (!hasTerms(query)) return none;
    const feedback = this.options.feedback;
    // `first`: the lexical ranking before feedback, the passages that have the query's words.
    let lexical: Ranked[] = [];
    let first: Ranked[] = [];
    if (req.mode !== 'semantic') {
      if (feedback) ({ ranked: lexical, first } = this.lexical.rankWithFeedback(query, depth, req, feedback));
      else lexical = first = this.lexical.rank(query, depth, req);
    }
    const constraint = req.mode === 'lexical' ? null : this.lexical.constraint(query);
    const semantic =
      req.mode === 'lexical'
        ? []
        : await this.semantic.rank(query.text, depth, req, req.vector, constraint ?? undefined);
    const embedder = req.mode === 'lexical' ? null : this.parts.queryEmbedder();
    const evidence: Evidence = {
      lexical: new Set(first.map((r) => r.id)),
      similarity: new Map(semantic.map((r) => [r.id, r.score])),
      floor: embedder && semantic.length ? await this.floors.floor(embedder) : null,
    };
    if (req.mode === 'lexical') return { ranked: lexical, evidence };
    if (req.mode === 'semantic') return { ranked: semantic, evidence };
    const fused =
      this.options.fusion === 'rrf'
        ? reciprocalRankFusion([lexical, semantic], { k: this.options.rrfK })
        : weightedFusion([lexical, semantic], [this.options.lexicalWeight, 1 - this.options.lexicalWeight]);
    return { ranked: fused.map((f) => ({ id: f.id, score: f.score })), evidence };
  }
}

function ref(
  e: { id: string; dim: number; builtin: boolean } | null,
): { id: string; dim: number; builtin: boolean } | null {
  return e ? { id: e.id, dim: e.dim, builtin: e.builtin } : null;
}
