import type { Ranked } from './fusion.js';
import { coordinate, planLexical, type LexicalPlan } from './lexical-plan.js';
import { stemOf, stemsOf } from '../text/terms.js';
import { toConstraintQuery, toExcludedQuery, toFtsQuery, type ParsedQuery } from './query.js';
import type { Constraint } from './semantic-leg.js';
import { relevanceModel, weightedBm25, type FeedbackOptions, type TermCounts } from './feedback.js';
import { BM25_WEIGHTS } from '../store/schema.js';

import { hasFilters, type Filters, type PassageReads } from '../store/passage-reads.js';
import { countFromImpacts, rankByImpact, type ImpactSource, type IndexedCounts } from './impact-leg.js';

export interface LexicalOptions {
  /** A word in more than this share of passages is left out of a lexical query that has rarer words… */
  commonWordShare: number;
  /** …and in more passages than this (below it, scoring the word is cheap whatever its share). */
  commonWordPostings: number;
  /** Postings an OR query may score before the leg asks for passages with all the words first (see planLexical). */
  budget: number;
  /** Postings the impact index may read for a query of free words (0: FTS5 always; see impacts.ts). */
  impactBudget: number;
}

export const COMMON_WORD_SHARE = 0.2;
export const COMMON_WORD_POSTINGS = 10_000;

/** Past this many candidates a filtered search stops widening (unless asked to be exhaustive). */
const WIDEST = 100_000;

/** Terms and passages whose counts are kept between searches, at most. */
const CACHED_TERMS = 100_000;
const CACHED_PASSAGES = 20_000;

/** At most this many passages are read for a query's constraint (passages with a quoted term, or an excluded one). */
const CONSTRAINT_LIMIT = 2_000_000;

/**
 * The lexical leg: FTS5 bm25 over title, section and text, asked as
 * `planLexical` decides (the plain OR query unless that would score more
 * than the budget). Each MATCH runs first with its own LIMIT, filters are
 * applied to what it returns, and the limit grows only when filters leave
 * too few.
 */
export class LexicalLeg {
  private readonly passages: PassageReads;
  private readonly options: LexicalOptions;
  private readonly generation: () => number;
  private readonly impacts: ImpactSource | null;
  private counted = { generation: -1, count: 0 };
  private length = { generation: -1, value: 1 };
  /** Per generation: passages per term (FTS5 counts them by walking the term's postings) and passages' terms. */
  private cache = { generation: -1, postings: new Map<string, number>(), terms: new Map<number, TermCounts>() };

  /** @param generation changes whenever passages may have changed (to recount them only then) */
  constructor(
    passages: PassageReads,
    options: LexicalOptions,
    generation: () => number,
    impacts: ImpactSource | null = null,
  ) {
    this.passages = passages;
    this.options = options;
    this.generation = generation;
    this.impacts = impacts;
  }

  rank(
    query: ParsedQuery,
    depth: number,
    filters: Filters = {},
    how: { operator?: 'OR' | 'AND'; prune?: boolean; exhaustive?: boolean; columns?: string[] } = {},
  ): Ranked[] {
    if (how.prune === false || how.operator === 'AND' || how.columns) {
      const fts = toFtsQuery(query, how.operator ?? 'OR', how.columns);
      return fts ? this.match(fts, depth, filters, how.exhaustive) : [];
    }
    if (!how.exhaustive && !query.required.length && !query.excluded.length) {
      const byImpact = this.rankByImpact(query, depth, filters);
      if (byImpact) return byImpact;
    }
    const plan = this.plan(query);
    const any = toFtsQuery(plan.any);
    if (!plan.all) return any ? this.match(any, depth, filters, how.exhaustive) : [];
    const all = this.match(toFtsQuery(plan.all, 'AND')!, depth, filters, how.exhaustive);
    if (all.length >= depth || !any) return all;
    return coordinate(all, this.match(any, depth, filters, how.exhaustive), depth);
  }

  /** How the leg will ask FTS5 for this query (see planLexical); `budget` defaults to the configured one. */
  plan(query: ParsedQuery, budget = this.options.budget): LexicalPlan {
    const total = this.passageCount();
    const { commonWordShare, commonWordPostings } = this.options;
    // Nothing to plan where no word could be common or costly.
    if (total * commonWordShare < commonWordPostings) return { all: null, any: query, cost: 0 };
    return planLexical(query, (w) => this.postings(stemOf(w)), total, {
      commonWordShare,
      commonWordPostings,
      budget,
    });
  }

  /**
   * The passages a query's quoted terms allow and its excluded terms rule
   * out, for the legs that do not read FTS5 (null when it has neither).
   */
  constraint(query: ParsedQuery): Constraint | null {
    const required = toConstraintQuery(query);
    if (required) return { within: new Set(this.passages.matchIds(required, CONSTRAINT_LIMIT)), without: null };
    const excluded = toExcludedQuery(query);
    return excluded ? { within: null, without: new Set(this.passages.matchIds(excluded, CONSTRAINT_LIMIT)) } : null;
  }

  /** The query without its common words (see planLexical, step 1). */
  withoutCommonWords(query: ParsedQuery): ParsedQuery {
    return this.plan(query, Infinity).any;
  }

  /**
   * From the impact index, when it covers every passage (see impact-leg.ts);
   * filtered, when the candidates it scored leave enough (else null: FTS5
   * then widens as it does).
   */
  private rankByImpact(query: ParsedQuery, depth: number, filters: Filters): Ranked[] | null {
    if (!this.impacts || this.options.impactBudget <= 0) return null;
    const filtered = hasFilters(filters);
    const found = rankByImpact(query, filtered ? depth * 4 : depth, this.impacts, {
      budget: this.options.impactBudget,
      score: (ids, terms, counts) => this.scoreExactly(ids, terms, counts),
    });
    if (!found) return null;
    if (!filtered) return found.ranked.slice(0, depth);
    const allowed = this.passages.allowedAmong(
      found.ranked.map((r) => r.id),
      filters,
    );
    const kept = found.ranked.filter((r) => allowed.has(r.id));
    const everything = found.complete && found.ranked.length < found.kept;
    return kept.length >= depth || everything ? kept.slice(0, depth) : null;
  }

  /** bm25 as FTS5 computes it (see weightedBm25), best first; passages no longer stored are left out. */
  private scoreExactly(ids: number[], terms: Map<string, number>, counts: IndexedCounts): Ranked[] {
    const records = this.termsOf(ids);
    return this.bm25(
      ids.flatMap((id) => records.get(id) ?? []),
      terms,
      { total: counts.total, df: (t) => counts.df.get(t) ?? 0 },
    );
  }

  /** Passages scored by bm25 as FTS5 computes it (see weightedBm25) for weighted terms, best first. */
  private bm25(
    passages: TermCounts[],
    terms: Map<string, number>,
    counts: { total: number; df: (term: string) => number },
  ): Ranked[] {
    const stats = { ...counts, averageLength: this.averageLength(), weights: BM25_WEIGHTS };
    return passages
      .map((passage) => ({ id: passage.id, score: weightedBm25(passage, terms, stats) }))
      .sort((a, b) => b.score - a.score || a.id - b.id);
  }

  /** One FTS5 MATCH, best first, filtered, at most `depth`. */
  private match(fts: string, depth: number, filters: Filters, exhaustive = false): Ranked[] {
    const filtered = hasFilters(filters);
    let limit = filtered ? depth * 4 : depth;
    for (;;) {
      const rows = this.passages.match(fts, limit);
      if (!filtered) return rows;
      const allowed = this.passages.allowedAmong(
        rows.map((r) => r.id),
        filters,
      );
      const kept = rows.filter((r) => allowed.has(r.id));
      if (kept.length >= depth || rows.length < limit || (limit >= WIDEST && !exhaustive)) return kept.slice(0, depth);
      limit *= 4;
    }
  }

  /**
   * The ranking with pseudo-relevance feedback (RM3, see feedback.ts): the
   * first passages found expand the query, and the passages found are
   * scored again with the expanded query's weights. `first` is the ranking
   * before feedback.
   *
   * Only the passages the query found are scored again. Searching for the
   * added words as well (as Anserini does) would bring passages with none of
   * the query's words, which the page shows only when the meaning leg finds
   * them close enough; on Cranfield's tuning queries it changed nDCG@10 by
   * less than 0.002 while an OR over 20 more words made FTS5 read about
   * 19,000 postings per query at 10,000 passages (24 ms against 3.6 ms).
   */
  rankWithFeedback(
    query: ParsedQuery,
    depth: number,
    filters: Filters,
    options: FeedbackOptions,
  ): { ranked: Ranked[]; first: Ranked[] } {
    const first = this.rank(query, depth, filters);
    return { ranked: this.rescore(query, first, options), first };
  }

  private rescore(query: ParsedQuery, first: Ranked[], options: FeedbackOptions): Ranked[] {
    if (first.length < 2) return first;
    const terms = this.termsOf(first.map((r) => r.id));
    const top = first.flatMap((r) => {
      const passage = terms.get(r.id);
      return passage ? [{ passage, score: r.score }] : [];
    });
    const typed = [...query.words, ...query.required.flat(2)].map(stemOf);
    const model = relevanceModel(typed, top, options);
    if (model.size === new Set(typed).size) return first;
    const df = new Map([...model.keys()].map((t) => [t, this.postings(t)]));
    return this.bm25(
      top.map((t) => t.passage),
      model,
      { total: this.passageCount(), df: (t) => df.get(t) ?? 0 },
    );
  }

  /** Passages with a term (a Porter stem), kept for the generation of the passages. */
  postings(term: string): number {
    const cache = this.current();
    let n = cache.postings.get(term);
    if (n === undefined) {
      // The impact index counts them from its chunks' sizes; FTS5 walks the term's postings (slow for common words).
      n = (this.impacts && countFromImpacts(this.impacts, term)) ?? this.passages.postings(term);
      if (cache.postings.size >= CACHED_TERMS) cache.postings.clear();
      cache.postings.set(term, n);
    }
    return n;
  }

  /** The stemmed terms of passages' title, section and text, kept for the generation of the passages. */
  private termsOf(ids: number[]): Map<number, TermCounts> {
    const cache = this.current();
    const out = new Map<number, TermCounts>();
    const missing = ids.filter((id) => {
      const known = cache.terms.get(id);
      if (known) out.set(id, known);
      return !known;
    });
    for (const rec of this.passages.records(missing).values()) {
      const counted: TermCounts = {
        id: rec.id,
        columns: [rec.title, rec.section ?? '', rec.text].map(stemsOf),
      };
      if (cache.terms.size >= CACHED_PASSAGES) cache.terms.clear();
      cache.terms.set(rec.id, counted);
      out.set(rec.id, counted);
    }
    return out;
  }

  private current(): LexicalLeg['cache'] {
    const generation = this.generation();
    if (generation !== this.cache.generation) this.cache = { generation, postings: new Map(), terms: new Map() };
    return this.cache;
  }

  /** Mean terms per passage (title, section and text) as FTS5 bm25() counts them; read again when passages change. */
  private averageLength(): number {
    const generation = this.generation();
    if (generation !== this.length.generation) this.length = { generation, value: this.passages.averageLength() };
    return this.length.value;
  }

  /** Passages stored, recounted only when they may have changed. */
  private passageCount(): number {
    const generation = this.generation();
    if (generation !== this.counted.generation || !this.counted.count)
      this.counted = { generation, count: this.passages.count() };
    return this.counted.count;
  }
}
