import type { Ranked } from './fusion.js';
import { coordinate, planLexical, type LexicalPlan } from './lexical-plan.js';
import { stemOf } from '../text/terms.js';
import { toConstraintQuery, toExcludedQuery, toFtsQuery, type ParsedQuery } from './query.js';
import type { Constraint } from './semantic-leg.js';
import { hasFilters, type Filters, type PassageReads } from '../store/passage-reads.js';

export interface LexicalOptions {
  /** A word in more than this share of passages is left out of a lexical query that has rarer words… */
  commonWordShare: number;
  /** …and in more passages than this (below it, scoring the word is cheap whatever its share). */
  commonWordPostings: number;
  /** Postings an OR query may score before the leg asks for passages with all the words first (see planLexical). */
  budget: number;
}

export const COMMON_WORD_SHARE = 0.2;
export const COMMON_WORD_POSTINGS = 10_000;

/** Past this many candidates a filtered search stops widening (unless asked to be exhaustive). */
const WIDEST = 100_000;

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
  private counted = { generation: -1, count: 0 };

  /** @param generation changes whenever passages may have changed (to recount them only then) */
  constructor(passages: PassageReads, options: LexicalOptions, generation: () => number) {
    this.passages = passages;
    this.options = options;
    this.generation = generation;
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
    return planLexical(query, (w) => this.passages.postings(stemOf(w)), total, {
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

  /** Passages stored, recounted only when they may have changed. */
  private passageCount(): number {
    const generation = this.generation();
    if (generation !== this.counted.generation || !this.counted.count)
      this.counted = { generation, count: this.passages.count() };
    return this.counted.count;
  }
}
