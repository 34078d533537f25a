import { isStopWord } from '../text/stop-words.js';

/**
 * Pseudo-relevance feedback, RM3 (Lavrenko and Croft's relevance model,
 * interpolated with the query as Abdul-Jaleel et al. did for TREC 2004,
 * and as Anserini and Pyserini ship it). Pure.
 *
 * The passages the query finds first are taken as relevant; the terms that
 * are frequent in them, weighted by how well each passage matched, form a
 * relevance model P(t|R) = Σ_d P(t|d)·P(d|q). The expanded query is
 * λ·P(t|q) + (1−λ)·P(t|R) over the query's terms and the best `terms`
 * others, and the passages found are scored again by BM25 with those
 * weights, as FTS5 computes it (column weights on the term frequency, the
 * whole row as the length).
 */
export interface FeedbackOptions {
  /** Passages taken as relevant. */
  docs: number;
  /** Expansion terms added. */
  terms: number;
  /** λ: the weight of the query as typed. */
  originalWeight: number;
}

/** Anserini's defaults for BM25+RM3 (fbDocs 10, fbTerms 10, originalQueryWeight 0.5). */
export const RM3_DEFAULTS: FeedbackOptions = { docs: 10, terms: 10, originalWeight: 0.5 };

/** A passage as feedback reads it: its stemmed terms per column (title, section, text). */
export interface TermCounts {
  id: number;
  columns: string[][];
}

/** BM25 as FTS5's bm25() computes it. */
export interface Bm25Stats {
  /** Passages in the collection. */
  total: number;
  /** Mean terms per passage (all columns). */
  averageLength: number;
  /** Passages that have a term. */
  df: (term: string) => number;
  /** Column weights (title, section, text). */
  weights: readonly number[];
}

const K1 = 1.2;
const B = 0.75;

/** FTS5's IDF: log((N − n + 0.5) / (n + 0.5)), never below 1e-6. */
export function fts5Idf(n: number, total: number): number {
  return Math.max(1e-6, Math.log((total - n + 0.5) / (n + 0.5)));
}

/** Whether a term may expand a query: a word of letters, not a stop word. */
function expands(term: string): boolean {
  return term.length >= 3 && /^\p{L}+$/u.test(term) && !isStopWord(term);
}

/**
 * The expanded query: each term with its weight (they sum to 1). `ranked`
 * are the first passages found, best first, with their scores (higher is
 * better); `query` the stems of the query as typed.
 */
export function relevanceModel(
  query: string[],
  ranked: { passage: TermCounts; score: number }[],
  options: FeedbackOptions,
): Map<string, number> {
  const top = ranked.slice(0, options.docs);
  const original = new Map<string, number>();
  for (const t of query) original.set(t, (original.get(t) ?? 0) + 1 / query.length);
  if (!top.length) return original;
  // P(d|q): the passages' scores as a distribution (shifted so the weakest still counts a little).
  const low = Math.min(...top.map((r) => r.score));
  const shifted = top.map((r) => r.score - low + 1e-3);
  const sum = shifted.reduce((s, x) => s + x, 0);
  const model = new Map<string, number>();
  top.forEach((r, i) => {
    const terms = r.passage.columns.flat();
    if (!terms.length) return;
    const pd = shifted[i]! / sum;
    const counts = new Map<string, number>();
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, c] of counts) if (expands(t)) model.set(t, (model.get(t) ?? 0) + (c / terms.length) * pd);
  });
  const kept = [...model].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, options.terms);
  const mass = kept.reduce((s, [, w]) => s + w, 0) || 1;
  const out = new Map<string, number>();
  for (const [t, w] of original) out.set(t, options.originalWeight * w);
  for (const [t, w] of kept) out.set(t, (out.get(t) ?? 0) + (1 - options.originalWeight) * (w / mass));
  return out;
}

/** A passage's BM25 score for weighted terms, as FTS5 computes bm25() (see Bm25Stats). */
export function weightedBm25(passage: TermCounts, terms: Map<string, number>, stats: Bm25Stats): number {
  const length = passage.columns.reduce((n, c) => n + c.length, 0);
  const norm = K1 * (1 - B + (B * length) / Math.max(1, stats.averageLength));
  const freq = new Map<string, number>();
  passage.columns.forEach((column, c) => {
    const w = stats.weights[c] ?? 1;
    for (const t of column) if (terms.has(t)) freq.set(t, (freq.get(t) ?? 0) + w);
  });
  let score = 0;
  for (const [t, f] of freq) score += terms.get(t)! * fts5Idf(stats.df(t), stats.total) * ((f * (K1 + 1)) / (f + norm));
  return score;
}
