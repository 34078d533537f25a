import { describe, expect, it } from 'vitest';
import { coordinate, planLexical } from '../../src/search/lexical-plan.js';
import { parseQuery, toFtsQuery } from '../../src/search/query.js';

const options = { commonWordShare: 0.2, commonWordPostings: 10_000, budget: 100_000 };
const counts = (table: Record<string, number>) => (w: string) => table[w] ?? 0;

describe('planLexical', () => {
  it('asks the plain OR query while it is within the budget', () => {
    const plan = planLexical(
      parseQuery('apprenticeship levy funding'),
      counts({ apprenticeship: 900, levy: 40, funding: 5_000 }),
      1_000_000,
      options,
    );
    expect(plan.all).toBeNull();
    expect(plan.any.words).toEqual(['apprenticeship', 'levy', 'funding']);
    expect(plan.cost).toBe(5_940);
  });

  it('leaves out words in over a fifth of a large collection when rarer words remain', () => {
    const plan = planLexical(parseQuery('school levy'), counts({ school: 300_000, levy: 40 }), 1_000_000, options);
    expect(plan.any.words).toEqual(['levy']);
    expect(plan.all).toBeNull();
    // …but never the only word.
    expect(planLexical(parseQuery('school'), counts({ school: 300_000 }), 1_000_000, options).any.words).toEqual([
      'school',
    ]);
    // …nor all of them: with nothing rarer, every word stays (and being over the budget, both are asked for together
    // first).
    const bothCommon = planLexical(
      parseQuery('school pupils'),
      counts({ school: 300_000, pupils: 250_000 }),
      1_000_000,
      { ...options, budget: Infinity },
    );
    expect(bothCommon.any.words).toEqual(['school', 'pupils']);
  });

  it('leaves a small collection to plain bm25, however common a word or long the question', () => {
    const plan = planLexical(parseQuery('school levy'), counts({ school: 30_000, levy: 40 }), 40_000, options);
    expect(plan.any.words).toEqual(['school', 'levy']);
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
    const pasted = planLexical(parseQuery(words.join(' ')), () => 8_000, 40_000, options);
    expect(pasted.cost).toBe(480_000);
    expect(pasted.all).toBeNull();
    expect(pasted.any.words).toEqual(words);
  });

  it('over the budget, asks for every word first, then an OR over the rarest words that fit', () => {
    const df = counts({ school: 400_000, pupils: 150_000, attendance: 60_000, transport: 30_000, snow: 8_000 });
    const plan = planLexical(parseQuery('school pupils attendance transport snow'), df, 1_000_000, options);
    // Every word the user typed, common ones too: passages with all of them are the best evidence.
    expect(toFtsQuery(plan.all!, 'AND')).toBe('"school" AND "pupils" AND "attendance" AND "transport" AND "snow"');
    // school (40%) is pruned; of the rest, the rarest whose postings fit 100,000.
    expect(plan.any.words).toEqual(['attendance', 'transport', 'snow']);
    expect(plan.cost).toBe(98_000);
  });

  it('keeps the rarest word even when it alone is over the budget', () => {
    const df = counts({ special: 180_000, educational: 190_000, needs: 170_000, transport: 150_000 });
    const plan = planLexical(parseQuery('special educational needs transport'), df, 1_000_000, options);
    expect(plan.all).not.toBeNull();
    expect(plan.any.words).toEqual(['transport']);
    expect(plan.any.groups).toEqual([['transport']]);
    expect(plan.cost).toBe(150_000);
  });

  it('asks a query with a quoted phrase as it is, its cost bounded by the phrase', () => {
    const df = counts({ special: 180_000, educational: 9_000, needs: 170_000, transport: 150_000 });
    const plan = planLexical(parseQuery('"special educational needs" transport'), df, 1_000_000, options);
    expect(plan.all).toBeNull();
    expect(plan.any.required).toEqual([[['special', 'educational', 'needs']]]);
    expect(plan.any.words).toEqual(['transport']);
    expect(plan.cost).toBe(9_000);
  });

  it('keeps OR groups whole when it leaves words out', () => {
    const df = counts({ school: 400_000, levy: 40, funding: 900 });
    const plan = planLexical(parseQuery('levy OR funding school'), df, 1_000_000, options);
    expect(plan.any.groups).toEqual([['levy', 'funding']]);
    expect(toFtsQuery(plan.any, 'AND')).toBe('("levy" OR "funding")');
  });

  it('a single costly word stays a plain query: there is nothing to intersect', () => {
    const plan = planLexical(parseQuery('pupils'), counts({ pupils: 150_000 }), 1_000_000, options);
    expect(plan.all).toBeNull();
    expect(plan.any.words).toEqual(['pupils']);
  });
});

describe('coordinate', () => {
  it('puts passages with all the words first, then the others, once each, at most depth', () => {
    const all = [
      { id: 7, score: 9 },
      { id: 3, score: 6 },
    ];
    const any = [
      { id: 5, score: 12 },
      { id: 3, score: 11 },
      { id: 8, score: 4 },
      { id: 9, score: 2 },
    ];
    const out = coordinate(all, any, 4);
    expect(out.map((r) => r.id)).toEqual([7, 3, 5, 8]);
    // Scores never rise down the list, so a score-based fusion reads the same order.
    expect(out.map((r) => r.score)).toEqual([9, 6, 6, 4]);
  });

  it('with nothing from the AND query, is the OR list', () => {
    const any = [
      { id: 1, score: 3 },
      { id: 2, score: 2 },
    ];
    expect(coordinate([], any, 10)).toEqual(any);
  });
});
