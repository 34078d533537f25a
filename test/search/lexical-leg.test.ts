import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/search/query.js';
import { stemOf, wordsOf } from '../../src/text/terms.js';
import { openKb, query, SAMPLES } from '../helpers.js';

/** The lexical leg over the samples, with its thresholds moved so the small collection behaves like a large one. */
describe('the lexical leg in large collections', () => {
  it('leaves out a word in over a fifth of passages when it is costly and rarer words remain', async () => {
    const kb = await openKb({}, [SAMPLES]);
    const total = kb.stats().passages;
    const [school] = query<{ doc: number }>(kb.config.dataDir, "SELECT doc FROM passages_vocab WHERE term = 'school'");
    expect(school!.doc / total).toBeGreaterThan(0.2);
    // As if the collection were large: every posting list counts as costly.
    const pruning = kb.searcherWith({ commonWordPostings: 1 });
    expect(pruning.lexical.withoutCommonWords(parseQuery('school levy')).words).toEqual(['levy']);
    expect(pruning.lexical.withoutCommonWords(parseQuery('school')).words).toEqual(['school']);
    // At the real threshold this small collection is never pruned.
    expect(kb.searcher.lexical.withoutCommonWords(parseQuery('school levy')).words).toEqual(['school', 'levy']);
    await kb.close();
  });

  it('over the budget, passages with every word come first, then the rest of an OR over the rarest words', async () => {
    const kb = await openKb({}, [SAMPLES]);
    const q = parseQuery('apprenticeship funding');
    const texts = new Map(
      query<{ id: number; t: string }>(
        kb.config.dataDir,
        "SELECT id, title || ' ' || coalesce(section, '') || ' ' || text AS t FROM passages",
      ).map((r) => [r.id, r.t]),
    );
    const has = (id: number, w: string) => wordsOf(texts.get(id)!).some((x) => stemOf(x) === stemOf(w));
    const hasBoth = (id: number) => has(id, 'apprenticeship') && has(id, 'funding');
    const plain = kb.searcher.lexical.rank(q, 50);
    // As if the collection were large (with no word common enough to leave out), and the budget covered only the rarer
    // word's postings.
    const [fund] = query<{ doc: number }>(kb.config.dataDir, "SELECT doc FROM passages_vocab WHERE term = 'fund'");
    const budgeted = kb.searcherWith({ lexicalBudget: fund!.doc, commonWordPostings: 1, commonWordShare: 1 });
    const plan = budgeted.lexical.plan(q);
    expect(plan.all?.words).toEqual(['apprenticeship', 'funding']);
    expect(plan.any.words).toEqual(['funding']);
    const planned = budgeted.lexical.rank(q, 50);
    const both = planned.findIndex((r) => !hasBoth(r.id));
    expect(both).toBeGreaterThan(0); // some passages have both words…
    // …they all come first, then the rarer word's
    expect(planned.slice(both).every((r) => !hasBoth(r.id) && has(r.id, 'funding'))).toBe(true);
    expect(new Set(planned.map((r) => r.id)).size).toBe(planned.length);
    // Passages with both words are the same set the plain query finds.
    const plainBoth = plain
      .filter((r) => hasBoth(r.id))
      .map((r) => r.id)
      .sort();
    expect(
      planned
        .slice(0, both)
        .map((r) => r.id)
        .sort(),
    ).toEqual(plainBoth);
    await kb.close();
  });
});
