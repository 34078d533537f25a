import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import { coverage, idf, proximity } from '../../src/search/ask.js';
import { SAMPLES, openKb } from '../helpers.js';

describe('how a sentence is scored as an answer', () => {
  const weights = new Map([
    ['apprenticeship', idf(3, 1000)],
    ['young', idf(200, 1000)],
    ['peopl', idf(220, 1000)],
  ]);

  it('a rare term weighs more than a common one', () => {
    expect(idf(3, 1000)).toBeGreaterThan(idf(200, 1000) * 2);
    expect(idf(1000, 1000)).toBeGreaterThan(0);
    expect(idf(0, 0)).toBeGreaterThan(0);
  });

  it('coverage is the share of the question weight a sentence has', () => {
    expect(coverage(['apprenticeship', 'young', 'peopl'], weights)).toBeCloseTo(1, 10);
    expect(coverage(['young', 'peopl', 'young'], weights)).toBeLessThan(0.5);
    expect(coverage(['apprenticeship'], weights)).toBeGreaterThan(0.5);
    expect(coverage([], weights)).toBe(0);
  });

  it('proximity is 1 for terms side by side and falls as they spread', () => {
    expect(proximity(['young', 'peopl'], weights)).toBe(1);
    expect(proximity(['young', 'a', 'b', 'c', 'peopl'], weights)).toBeCloseTo(2 / 5, 10);
    // The tightest stretch counts, wherever it is.
    expect(proximity(['young', 'x', 'x', 'x', 'x', 'young', 'peopl'], weights)).toBe(1);
    expect(proximity(['x', 'y'], weights)).toBe(0);
  });
});

describe('ask over the samples', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await openKb({}, [SAMPLES]);
  }, 60_000);
  afterAll(() => kb.close());
  const ask = (question: string) => kb.ask({ question, k: 5, filters: {}, as_typed: false });

  it('answers with the sentence that has the question terms together, cited', async () => {
    const res = await ask('How many educational psychologists did we recruit?');
    expect(res.answer[0]!.text).toContain('eight more educational psychologists');
    const cited = res.citations.find((c) => c.n === res.answer[0]!.cites[0])!;
    expect(cited.text).toContain(res.answer[0]!.text.slice(0, 40));
  });

  it('says nothing rather than something when nothing answers', async () => {
    const res = await ask('when does the zebra migration start');
    expect(res.answer).toEqual([]);
    expect(res.citations).toEqual([]);
  });

  it('corrects a typo in the question, and says so', async () => {
    const res = await ask('how many educational psychologits');
    expect(res.corrected?.changes[0]).toMatchObject({ typed: 'psychologits', kind: 'spelling' });
    expect(res.answer[0]!.text).toContain('educational psychologists');
  });
});
