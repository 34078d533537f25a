import type { Ranked } from './fusion.js';
import { fts5Idf } from './feedback.js';
import { traverse, type TermPostings } from './impacts.js';
import type { ParsedQuery } from './query.js';
import type { ImpactRows } from '../store/impact-rows.js';
import { stemOf } from '../text/terms.js';

/** What the impact leg reads: the impact index, in one read transaction where one can begin. */
export interface ImpactSource {
  rows: ImpactRows;
  snapshot: <T>(fn: () => T) => T;
}

/** Collection statistics as the impact index counts them: passages indexed, and passages with each term. */
export interface IndexedCounts {
  total: number;
  df: Map<string, number>;
}

export interface ImpactContext {
  /** Postings read at most (a chunk is read whole). */
  budget: number;
  /** bm25 as FTS5 computes it, for these passages and the query's terms with their weights, best first. */
  score: (ids: number[], terms: Map<string, number>, counts: IndexedCounts) => Ranked[];
}

/**
 * Passages with a term, from the impact index when it covers every passage
 * (null otherwise): the sum of its chunks' sizes, read from the index on
 * (term, band, n) alone. Passages deleted since it was built still count.
 */
export function countFromImpacts(source: ImpactSource, term: string): number | null {
  // No read transaction: this is asked while other statements are being read (spelling walks the vocabulary).
  const state = source.rows.state();
  if (!state || state.upTo < source.rows.maxPassageId() || source.rows.anyChanged()) return null;
  return source.rows.postingsOf(term);
}

/** At least this many candidates are scored exactly, however few are asked for. */
const MIN_CANDIDATES = 100;

/** The query's stems, each weighted by how many of its words have it (FTS5 scores each word as a phrase). */
export function queryTerms(query: ParsedQuery): Map<string, number> {
  const terms = new Map<string, number>();
  for (const w of query.words) {
    const t = stemOf(w);
    terms.set(t, (terms.get(t) ?? 0) + 1);
  }
  return terms;
}

/**
 * The lexical ranking for a query of free words, from the impact index (see
 * impacts.ts): the postings that can add most to a score read first, up to
 * the budget, and the `candidates` passages with the most scored exactly.
 * Null when the index does not cover every passage (it is being built, or
 * the collection is too small to have one): FTS5 answers then.
 */
export function rankByImpact(
  query: ParsedQuery,
  candidates: number,
  source: ImpactSource,
  context: ImpactContext,
): { ranked: Ranked[]; read: number; complete: boolean; kept: number } | null {
  const terms = queryTerms(query);
  if (!terms.size) return null;
  const found = source.snapshot(() => {
    const state = source.rows.state();
    // Not while it lags behind the passages: some not indexed yet, or some changed whose postings wait.
    if (!state || state.upTo < source.rows.maxPassageId() || source.rows.anyChanged()) return null;
    // A term's passages are the sum of its chunks (FTS5 would count them by walking its postings): as many
    // as FTS5 counts, but for passages deleted since the index was built (a quarter at most; then it is rebuilt).
    const df = new Map<string, number>();
    const postings: TermPostings[] = [...terms].map(([term, n]) => {
      const segments = source.rows.segments(term);
      df.set(
        term,
        segments.reduce((sum, s) => sum + s.n, 0),
      );
      return {
        weight: n * fts5Idf(df.get(term)!, state.passages),
        segments: segments.map((s) => ({ band: s.band, count: s.n, read: () => source.rows.ids(s.id) })),
      };
    });
    const traversal = traverse(postings, context.budget, Math.max(candidates, MIN_CANDIDATES));
    return { ...traversal, counts: { total: state.passages, df } };
  });
  if (!found) return null;
  return {
    ranked: context.score(
      found.candidates.map((c) => c.id),
      terms,
      found.counts,
    ),
    read: found.read,
    complete: found.complete,
    kept: Math.max(candidates, MIN_CANDIDATES),
  };
}
