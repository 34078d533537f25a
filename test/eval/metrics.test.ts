import { describe, expect, it } from 'vitest';
import { mrrAt, ndcgAt, recallAt, score } from '../../src/eval/metrics.js';

describe('retrieval metrics (trec_eval formulas)', () => {
  // Judged: a=3, b=2, c=1; d is unjudged. The run returns d, a, c.
  const qrels = new Map([
    ['a', 3],
    ['b', 2],
    ['c', 1],
  ]);
  const run = ['d', 'a', 'c'];

  it('nDCG@10 by hand: DCG = 3/log2(3) + 1/log2(4); IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4)', () => {
    const dcg = 3 / Math.log2(3) + 1 / Math.log2(4);
    const idcg = 3 / 1 + 2 / Math.log2(3) + 1 / 2;
    expect(ndcgAt(run, qrels, 10)).toBeCloseTo(dcg / idcg, 12);
    expect(dcg / idcg).toBeCloseTo(0.5025, 4); // 2.3928 / 4.7619
    expect(ndcgAt(['a', 'b', 'c'], qrels)).toBeCloseTo(1, 12);
    expect(ndcgAt([], qrels)).toBe(0);
  });

  it('nDCG@k only counts the first k', () => {
    expect(ndcgAt(['d', 'a'], qrels, 1)).toBe(0);
  });

  it('Recall@100 and MRR@10', () => {
    expect(recallAt(run, qrels, 100)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(run, qrels, 2)).toBeCloseTo(1 / 3, 12);
    expect(mrrAt(run, qrels, 10)).toBe(0.5);
    expect(mrrAt(['d'], qrels, 10)).toBe(0);
  });

  it('averages over the judged queries, counting a query with no results as zero', () => {
    const s = score(
      new Map([['q1', ['a', 'b', 'c']]]),
      new Map([
        ['q1', qrels],
        ['q2', new Map([['x', 1]])],
      ]),
    );
    expect(s).toEqual({ 'ndcg@10': 0.5, 'recall@100': 0.5, 'mrr@10': 0.5, queries: 2 });
  });
});
