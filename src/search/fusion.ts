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

export function reciprocalRankFusion(lists: Ranked[][], options: { k?: number; weights?: number[] } = {}): Fused[] {
  const k = options.k ?? 60;
  const fused = new Map<number, Fused>();
  lists.forEach((list, li) => {
    const w = options.weights?.[li] ?? 1;
    list.forEach((item, i) => {
      let f = fused.get(item.id);
      if (!f) {
        f = { id: item.id, score: 0, ranks: lists.map(() => null) };
        fused.set(item.id, f);
      }
      if (f.ranks[li] !== null) return;
      f.ranks[li] = i + 1;
      f.score += w / (k + i + 1);
    });
  });
  return sortFused([...fused.values()]);
}

export function weightedFusion(lists: Ranked[][], weights: number[]): Fused[] {
  const fused = new Map<number, Fused>();
  lists.forEach((list, li) => {
    if (!list.length) return;
    const scores = list.map((x) => x.score);
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    list.forEach((item, i) => {
      let f = fused.get(item.id);
      if (!f) {
        f = { id: item.id, score: 0, ranks: lists.map(() => null) };
        fused.set(item.id, f);
      }
      if (f.ranks[li] !== null) return;
      f.ranks[li] = i + 1;
      f.score += (weights[li] ?? 1) * (max > min ? (item.score - min) / (max - min) : 1);
    });
  });
  return sortFused([...fused.values()]);
}

/** Best first; ties go to the id ranked better in any list, then the smaller id. */
function sortFused(items: Fused[]): Fused[] {
  const best = (f: Fused) => Math.min(...f.ranks.map((r) => r ?? Infinity));
  return items.sort((a, b) => b.score - a.score || best(a) - best(b) || a.id - b.id);
}
