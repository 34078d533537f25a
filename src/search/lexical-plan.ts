import type { ParsedQuery } from './query.js';

/**
 * How the lexical leg asks FTS5, chosen from how many passages each query
 * word occurs in. Pure.
 *
 * FTS5's bm25 has no early exit: `ORDER BY rank LIMIT n` scores every
 * passage that matches, so an OR query costs the sum of its words' posting
 * lists. That is nothing in a few thousand passages and hundreds of
 * milliseconds in a million. Two steps keep it bounded:
 *
 * 1. Common words (in more than `commonWordShare` of all passages, in a
 *    collection where that share is more than `commonWordPostings`
 *    passages) are left out when rarer words remain. BM25 gives a word in a
 *    fifth of the passages under a third of the weight of a word in 1%; the
 *    semantic leg still sees it.
 * 2. When what is left would still score more than `budget` postings, the
 *    passages containing every word the user typed are asked for first
 *    (AND: only the intersection is scored). If they fill the list, that is
 *    the answer; if not, they come first and an OR over the rarest words
 *    whose posting lists fit the budget (at least one word) follows. This is
 *    coordination-level ranking: passages with all the words before those
 *    with some. ("All the words" is one word of each OR group.)
 *
 * A query with required terms (quoted) is asked as it is: FTS5 scores only
 * the passages that have them, so its cost is bounded by their postings.
 *
 * Below the budget, and in any collection of under 50,000 passages (where
 * long, pasted questions cost little however many words they have), the
 * plan is the plain OR query: small collections (and the quality
 * benchmark) rank exactly as bm25 does.
 */
export interface LexicalPlanOptions {
  commonWordShare: number;
  commonWordPostings: number;
  /** Postings an OR query may score before the plan turns conjunctive first. */
  budget: number;
}

export interface LexicalPlan {
  /** Asked first when set: every group of words, joined by AND. */
  all: ParsedQuery | null;
  /** The OR query: the whole list when `all` is null, the rest otherwise. */
  any: ParsedQuery;
  /** Postings the OR query scores (for required terms, estimated by their rarest word). */
  cost: number;
}

/**
 * @param postings how many passages contain a (normalised) word; 0 when unknown
 * @param total passages in the collection
 */
export function planLexical(
  query: ParsedQuery,
  postings: (word: string) => number,
  total: number,
  options: LexicalPlanOptions,
): LexicalPlan {
  const words = query.words.map((w) => ({ w, n: postings(w) }));
  const sum = (xs: { n: number }[]) => xs.reduce((s, x) => s + x.n, 0);
  // Required terms bound the cost: FTS5 scores only the passages that have them.
  if (query.required.length) {
    const bound = Math.min(...query.required.map((c) => sum(c.map((t) => ({ n: Math.min(...t.map(postings)) })))));
    return { all: null, any: query, cost: bound };
  }

  // Below commonWordPostings / commonWordShare passages (50,000 by default)
  // the plan is the plain OR query: every word is cheap there.
  const large = total * options.commonWordShare >= options.commonWordPostings;
  const common = (n: number) => large && n > total * options.commonWordShare;
  const rare = words.filter((x) => !common(x.n));
  const kept = words.length >= 2 && rare.length && rare.length < words.length ? rare : words;
  const cost = sum(kept);
  const only = (ws: typeof words): ParsedQuery => {
    const keep = new Set(ws.map((x) => x.w));
    return {
      ...query,
      words: query.words.filter((w) => keep.has(w)),
      groups: query.groups.map((g) => g.filter((w) => keep.has(w))).filter((g) => g.length > 0),
    };
  };

  if (!large || cost <= options.budget || kept.length < 2) return { all: null, any: only(kept), cost };

  // Rarest first, while the budget lasts; the rarest word always stays.
  const chosen: typeof words = [];
  let spent = 0;
  for (const x of [...kept].sort((a, b) => a.n - b.n)) {
    if (chosen.length && spent + x.n > options.budget) break;
    chosen.push(x);
    spent += x.n;
  }
  return { all: query, any: only(chosen), cost: spent };
}

/**
 * The AND list first, then the OR list's other passages, with scores made
 * non-increasing so a score-based fusion reads the same order.
 */
export function coordinate(
  all: { id: number; score: number }[],
  any: { id: number; score: number }[],
  depth: number,
): { id: number; score: number }[] {
  const seen = new Set(all.map((r) => r.id));
  const out = all.slice(0, depth);
  let floor = out.length ? out[out.length - 1]!.score : Infinity;
  for (const r of any) {
    if (out.length >= depth) break;
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    floor = Math.min(floor, r.score);
    out.push({ id: r.id, score: floor });
  }
  return out;
}
