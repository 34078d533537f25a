/**
 * Fusion of ranked lists into one. Pure.
 * - Reciprocal rank fusion (Cormack et al., 2009): score = Σ w / (k + rank),
 *   rank from 1; robust to the lists' incomparable scores. The default.
 * - A convex combination of min–max normalised scores, an option when the
 *   scores themselves carry information.
 */
export interface Ranked {
  id: number;
  score: number;
}

export interface Fused {
  id: number;
  score: number;
  /** 1-based rank in each input list, or null where the id was absent. */
  ranks: (number | null)[];
}

/** Sums each list's contribution per id (the first occurrence in a list counts), recording ranks. */
function accumulate(lists: Ranked[][], contribution: (list: number, item: Ranked, index: number) => number): Fused[] {
  const fused = new Map<number, Fused>();
  lists.forEach((list, li) => {
    list.forEach((item, i) => {
      let f = fused.get(item.id);
      if (!f) {
        f = { id: item.id, score: 0, ranks: lists.map(() => null) };
        fused.set(item.id, f);
      }
      if (f.ranks[li] !== null) return;
      f.ranks[li] = i + 1;
      f.score += contribution(li, item, i);
    });
  });
  return sortFused([...fused.values()]);
}

export function reciprocalRankFusion(lists: Ranked[][], options: { k?: number; weights?: number[] } = {}): Fused[] {
  const k = options.k ?? 60;
  return accumulate(lists, (li, _item, i) => (options.weights?.[li] ?? 1) / (k + i + 1));
}

export function weightedFusion(lists: Ranked[][], weights: number[]): Fused[] {
  const ranges = lists.map((list) => {
    const scores = list.map((x) => x.score);
    return { min: Math.min(...scores), max: Math.max(...scores) };
  });
  return accumulate(lists, (li, item) => {
    const { min, max } = ranges[li]!;
    return (weights[li] ?? 1) * (max > min ? (item.score - min) / (max - min) : 1);
  });
}

/** Best first; ties go to the id ranked better in any list, then the smaller id. */
function sortFused(items: Fused[]): Fused[] {
  const best = (f: Fused) => Math.min(...f.ranks.map((r) => r ?? Infinity));
  return items.sort((a, b) => b.score - a.score || best(a) - best(b) || a.id - b.id);
}
