/**
 * Retrieval metrics, as trec_eval computes them. Pure.
 * qrels: relevance grade by document id (grade > 0 is relevant).
 */
export type Qrels = Map<string, number>;

/** nDCG@k with graded gains and a log2(rank + 1) discount (trec_eval's ndcg_cut). */
export function ndcgAt(ranked: string[], qrels: Qrels, k = 10): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    dcg += (qrels.get(id) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...qrels.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => {
    idcg += g / Math.log2(i + 2);
  });
  return idcg > 0 ? dcg / idcg : 0;
}

export function recallAt(ranked: string[], qrels: Qrels, k = 100): number {
  const relevant = [...qrels].filter(([, g]) => g > 0).map(([id]) => id);
  if (!relevant.length) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

export function mrrAt(ranked: string[], qrels: Qrels, k = 10): number {
  const i = ranked.slice(0, k).findIndex((id) => (qrels.get(id) ?? 0) > 0);
  return i < 0 ? 0 : 1 / (i + 1);
}

export interface Scores {
  'ndcg@10': number;
  'recall@100': number;
  'mrr@10': number;
  queries: number;
}

/** Means over the queries that have judgements. */
export function score(runs: Map<string, string[]>, qrels: Map<string, Qrels>): Scores {
  let n = 0;
  const sum = { ndcg: 0, recall: 0, mrr: 0 };
  for (const [qid, judged] of qrels) {
    const ranked = runs.get(qid) ?? [];
    sum.ndcg += ndcgAt(ranked, judged, 10);
    sum.recall += recallAt(ranked, judged, 100);
    sum.mrr += mrrAt(ranked, judged, 10);
    n++;
  }
  const r = (x: number) => Math.round((x / Math.max(n, 1)) * 10_000) / 10_000;
  return { 'ndcg@10': r(sum.ndcg), 'recall@100': r(sum.recall), 'mrr@10': r(sum.mrr), queries: n };
}
