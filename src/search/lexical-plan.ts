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
 *    with some.
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
  /** Asked first when set: every word and phrase, joined by AND. */
  all: ParsedQuery | null;
  /** The OR query: the whole list when `all` is null, the rest otherwise. */
  any: ParsedQuery;
  /** Postings the OR query scores (estimated for phrases by their rarest word). */
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
  const phrases = query.phrases.map((p) => ({ p, n: Math.min(...p.map(postings)) }));
  const sum = (xs: { n: number }[]) => xs.reduce((s, x) => s + x.n, 0);

  // Below commonWordPostings / commonWordShare passages (50,000 by default)
  // the plan is the plain OR query: every word is cheap there.
  const large = total * options.commonWordShare >= options.commonWordPostings;
  const common = (n: number) => large && n > total * options.commonWordShare;
  const rare = words.filter((x) => !common(x.n));
  const kept = words.length >= 2 && rare.length && rare.length < words.length ? rare : words;
  const cost = sum(kept) + sum(phrases);
  const anyOf = (ws: typeof words, ps: typeof phrases): ParsedQuery => ({
    ...query,
    words: ws.map((x) => x.w),
    phrases: ps.map((x) => x.p),
  });

  if (!large || cost <= options.budget || kept.length + phrases.length < 2)
    return { all: null, any: anyOf(kept, phrases), cost };

  // Rarest first, while the budget lasts; the rarest term always stays.
  const terms = [...kept.map((x) => ({ n: x.n, word: x })), ...phrases.map((x) => ({ n: x.n, phrase: x }))].sort(
    (a, b) => a.n - b.n,
  );
  const chosen = new Set<unknown>();
  let spent = 0;
  for (const t of terms) {
    if (chosen.size && spent + t.n > options.budget) break;
    chosen.add('word' in t ? t.word : t.phrase);
    spent += t.n;
  }
  return {
    all: query,
    any: anyOf(
      kept.filter((x) => chosen.has(x)),
      phrases.filter((x) => chosen.has(x)),
    ),
    cost: spent,
  };
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
