import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { silentLogger } from '../../src/log.js';
import {
  bandOf,
  BANDS,
  bandValue,
  decodePostings,
  encodePostings,
  impactOf,
  LEVELS,
  levelOf,
  levelValue,
  passageLevels,
  traverse,
  type TermPostings,
} from '../../src/search/impacts.js';
import { parseQuery } from '../../src/search/query.js';
import { stemOf } from '../../src/text/terms.js';
import { generator } from '../bench/synthetic.js';
import { tempDir } from '../helpers.js';

const decoded = (blob: Uint8Array) => {
  const out: [number, number][] = [];
  decodePostings(blob, (id, level) => out.push([id, level]));
  return out;
};
/** Postings all at one level. */
const atLevel = (ids: number[], level: number) =>
  encodePostings(
    ids,
    ids.map(() => level),
  );

describe('impact-ordered postings (pure)', () => {
  it('stores ascending ids as varint gaps, each with its level, and reads them back, large gaps included', () => {
    const ids = [1, 2, 3, 130, 16_511, 16_512, 2_000_000, 2 ** 40];
    const levels = [1, 255, 7, 128, 2, 3, 200, 256 - 1];
    expect(decoded(encodePostings(ids, levels))).toEqual(ids.map((id, i) => [id, levels[i]]));
    expect(encodePostings([5, 6, 7], [1, 1, 1]).length).toBe(6); // a byte a gap below 128, a byte a level
    expect(() => encodePostings([3, 3], [1, 1])).toThrow(/ascend/);
  });

  it("a level never understates an impact, and is within one level's width of it", () => {
    for (let f = 0.5; f <= 40; f += 0.5)
      for (const length of [1, 20, 150, 2_000]) {
        const impact = impactOf(f, length, 150);
        const level = levelOf(impact);
        expect(level).toBeGreaterThanOrEqual(1);
        expect(level).toBeLessThanOrEqual(LEVELS);
        expect(levelValue(level)).toBeGreaterThanOrEqual(impact - 1e-12);
        expect(levelValue(level) - impact).toBeLessThanOrEqual(levelValue(1) + 1e-12);
        // Its band's bound is at least as large: reading by band never passes over a larger impact.
        expect(bandValue(bandOf(level))).toBeGreaterThanOrEqual(levelValue(level) - 1e-12);
        expect(bandOf(level)).toBeLessThanOrEqual(BANDS);
      }
  });

  it("weights a passage's terms by column as FTS5's bm25 does (title 2, section 1.5, text 1)", () => {
    const levels = passageLevels([['school'], [], ['school', 'pupil', 'pupil']], [2, 1.5, 1], 4);
    // school: 2 (title) + 1 (text); pupil: 2 in the text; four terms against a mean of four.
    expect(levels.get('school')).toBe(levelOf(impactOf(3, 4, 4)));
    expect(levels.get('pupil')).toBe(levelOf(impactOf(2, 4, 4)));
  });

  it('reads the segments that can add most first, and stops after the budget', () => {
    const read: string[] = [];
    // Levels 240 and 40 are in bands 30 and 5 (of 32); a posting adds its own level, its band orders the reading.
    const segment = (name: string, band: number, ids: number[], level: number) => ({
      band,
      count: ids.length,
      read: () => (read.push(name), atLevel(ids, level)),
    });
    const terms: TermPostings[] = [
      { weight: 4, segments: [segment('rare-high', 30, [7], 240), segment('rare-low', 5, [8, 9], 40)] },
      {
        weight: 1,
        segments: [segment('common-high', 30, [1, 2, 3, 7], 236), segment('common-low', 2, [4, 5, 6], 16)],
      },
    ];
    const some = traverse(terms, 5, 10);
    // 4 × band 30, then 1 × band 30 (4 × band 5 is less): 5 postings read, so the budget stops it there.
    expect(read).toEqual(['rare-high', 'common-high']);
    expect(some).toMatchObject({ read: 5, complete: false });
    expect(some.candidates[0]).toEqual({ id: 7, score: 4 * levelValue(240) + levelValue(236) });
    read.length = 0;
    const all = traverse(terms, 1_000, 2);
    expect(read).toEqual(['rare-high', 'common-high', 'rare-low', 'common-low']);
    expect(all.complete).toBe(true);
    // 7: both terms; then 1 (1 × level 236) above 8 (4 × level 40).
    expect(all.candidates.map((c) => c.id)).toEqual([7, 1]);
  });
});

describe('the traversal against a plain computation', () => {
  it('gives the best passages by accumulated impact, ties by id, and forgets them before the next query', () => {
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const expected = new Map<number, number>();
    const terms: TermPostings[] = [1.5, 0.7, 3.2].map((weight) => {
      const ids = [...new Set(Array.from({ length: 3_000 }, () => 1 + Math.floor(rand() * 200_000)))].sort(
        (a, b) => a - b,
      );
      const levels = ids.map(() => 1 + Math.floor(rand() * 8) * 32); // few distinct levels: many ties
      ids.forEach((id, i) => expected.set(id, (expected.get(id) ?? 0) + weight * levelValue(levels[i]!)));
      const blob = encodePostings(ids, levels);
      return { weight, segments: [{ band: 1, count: ids.length, read: () => blob }] };
    });
    const want = [...expected]
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, 150);
    const got = traverse(terms, Infinity, 150);
    expect(got.candidates.map((c) => c.id)).toEqual(want.map((c) => c.id));
    got.candidates.forEach((c, i) => expect(c.score).toBeCloseTo(want[i]!.score, 9));
    // Nothing of this query is left in the accumulators for the next.
    const alone = traverse([{ weight: 1, segments: [{ band: 1, count: 1, read: () => atLevel([7], 10) }] }], 10, 5);
    expect(alone.candidates).toEqual([{ id: 7, score: levelValue(10) }]);
  });
});

describe('the lexical leg on the impact index, against exhaustive bm25', () => {
  let kb: KnowledgeBase;
  const gen = generator(3, 8_000);
  // Queries held out: drawn from another generator than any choice was made on.
  const queries = Array.from({ length: 120 }, () => generator(99, 8_000).query());

  beforeAll(async () => {
    const config = loadConfig(
      {},
      { dataDir: tempDir(), embedder: 'builtin', offline: true, impactMinPassages: 0, impactBudget: 600 },
    );
    kb = await KnowledgeBase.open(config, silentLogger);
    kb.ingestText(
      Array.from({ length: 300 }, (_, d) => ({
        sourceId: `g:${d}`,
        title: gen.title(),
        text: Array.from({ length: 10 }, () => gen.passage(120, d % gen.topics)).join('\n\n'),
        publishedAt: gen.date(),
      })),
    );
    await kb.refresh();
  }, 120_000);
  afterAll(async () => {
    await kb?.close();
  });

  const exhaustive = (q: string) => kb.searcher.lexical.rank(parseQuery(q), 10, {}, { prune: false });
  const ours = (q: string) => kb.searcher.lexical.rank(parseQuery(q), 10);

  it('is built by the refresh after a write and covers every passage', () => {
    const state = kb.store.impacts.state()!;
    expect(state.upTo).toBe(kb.store.impacts.maxPassageId());
    expect(state.passages).toBe(kb.store.stats().passages);
    expect(state.postings).toBeGreaterThan(state.passages * 20);
  });

  it('reading at most 600 postings a query (under 1% of them) it keeps at least 95% of bm25’s top 10', () => {
    expect(600 / kb.store.impacts.state()!.postings).toBeLessThan(0.01);
    let agree = 0;
    let total = 0;
    for (const q of queries) {
      const want = exhaustive(q).map((r) => r.id);
      const got = new Set(ours(q).map((r) => r.id));
      total += want.length;
      agree += want.filter((id) => got.has(id)).length;
    }
    expect(total).toBeGreaterThan(1_000);
    console.log(`impact leg: ${agree} of bm25's top ${total} (${(agree / total).toFixed(3)})`);
    expect(agree / total).toBeGreaterThanOrEqual(0.95);
  });

  it('with no budget it is bm25 exactly: the same passages with the scores FTS5 gives', () => {
    const unbounded = kb.searcherWith({ impactBudget: 1e9 });
    for (const q of queries.slice(0, 30)) {
      const want = exhaustive(q);
      const got = unbounded.lexical.rank(parseQuery(q), 10);
      expect(got.map((r) => r.id)).toEqual(want.map((r) => r.id));
      got.forEach((r, i) => expect(r.score).toBeCloseTo(want[i]!.score, 6));
    }
  });

  it('a search with a typo is corrected and answered (spelling reads word counts from the index)', async () => {
    const text = kb.store.passages.records([5]).get(5)!.text;
    const word = text.split(/\W+/).find((w) => w.length >= 7 && /^[a-z]+$/.test(w))!;
    const typo = word.slice(0, 3) + word.slice(4); // a letter left out
    const res = await kb.searcher.search({ q: typo, k: 5, mode: 'hybrid', perDoc: 3 });
    expect(res.corrected?.query).toBe(word);
    expect(res.results.length).toBeGreaterThan(0);
    expect(kb.searcher.lexical.postings(stemOf(word))).toBe(kb.store.passages.postings(stemOf(word)));
  });

  it('filters apply, and a query with a quoted or excluded term is answered by FTS5', () => {
    const q = queries[0]!;
    const from = '2024-01-01';
    const filtered = kb.searcher.lexical.rank(parseQuery(q), 10, { from });
    const records = kb.store.passages.records(filtered.map((r) => r.id));
    for (const r of records.values()) expect(r.published_at! >= from).toBe(true);
    const word = parseQuery(q).words[0]!;
    const excluded = kb.searcher.lexical.rank(parseQuery(`${q} -${word}`), 10);
    const texts = kb.store.passages.records(excluded.map((r) => r.id));
    for (const r of texts.values()) expect(r.text.toLowerCase()).not.toContain(` ${word} `);
  });

  it('a knowledge base opened for writing without an impact index builds one in the background', async () => {
    kb.store.transaction(() => kb.store.impacts.drop());
    const config = kb.config;
    await kb.close();
    kb = await KnowledgeBase.open(config, silentLogger);
    await kb.close(); // waits for the writer's queue, where the build runs
    const read = await KnowledgeBase.open(config, silentLogger, { mode: 'read' });
    expect(read.store.impacts.state()!.upTo).toBe(read.store.impacts.maxPassageId());
    await read.close();
    kb = await KnowledgeBase.open(config, silentLogger);
  });

  it('a passage stored but not yet indexed is still found (FTS5 answers until the index catches up)', async () => {
    kb.ingestText([
      { sourceId: 'late', title: 'Late', text: 'Zymurgy apprenticeships for brewing in county schools.' },
    ]);
    expect(kb.store.impacts.state()!.upTo).toBeLessThan(kb.store.impacts.maxPassageId());
    const before = kb.searcher.lexical.rank(parseQuery('zymurgy'), 5);
    expect(before).toHaveLength(1);
    await kb.refresh();
    expect(kb.store.impacts.state()!.upTo).toBe(kb.store.impacts.maxPassageId());
    expect(kb.searcher.lexical.rank(parseQuery('zymurgy'), 5).map((r) => r.id)).toEqual(before.map((r) => r.id));
  });

  it('a passage whose section changes in place has its postings replaced after the next refresh', async () => {
    const [target] = kb.searcher.lexical.rank(parseQuery(queries[2]!), 1);
    // As the commit does for a kept passage under an edited heading (a second connection, as another program).
    const db = new Database(path.join(kb.config.dataDir, 'kb.sqlite'));
    db.prepare('UPDATE passages SET section = ? WHERE id = ?').run('Quixotic arrangements', target!.id);
    db.close();
    expect(kb.store.impacts.anyChanged()).toBe(true);
    // Until the postings are replaced, FTS5 answers: the new heading already finds it.
    expect(kb.searcher.lexical.rank(parseQuery('quixotic'), 5).map((r) => r.id)).toEqual([target!.id]);
    await kb.refresh();
    expect(kb.store.impacts.anyChanged()).toBe(false);
    const unbounded = kb.searcherWith({ impactBudget: 1e9 });
    for (const q of ['quixotic arrangements', queries[2]!]) {
      const want = kb.searcher.lexical.rank(parseQuery(q), 10, {}, { prune: false });
      const got = unbounded.lexical.rank(parseQuery(q), 10);
      expect(got.map((r) => r.id)).toEqual(want.map((r) => r.id));
      got.forEach((r, i) => expect(r.score).toBeCloseTo(want[i]!.score, 6));
    }
  });

  it('deleted passages are never returned, and the index is built again once a quarter is deleted', async () => {
    const docs = [...new Set(kb.store.passages.sample(1e9, Math.random).map((p) => p.doc_id))];
    const q = queries[1]!;
    const first = kb.searcher.lexical.rank(parseQuery(q), 10);
    const victim = kb.store.passages.records([first[0]!.id]).get(first[0]!.id)!.doc_id;
    await kb.delete([victim]);
    const after = kb.searcher.lexical.rank(parseQuery(q), 10).map((r) => r.id);
    expect(after).not.toContain(first[0]!.id);
    const before = kb.store.impacts.state()!;
    await kb.delete(docs.filter((d) => d !== victim).slice(0, Math.ceil(docs.length * 0.3)));
    const rebuilt = kb.store.impacts.state()!;
    expect(rebuilt.passages).toBe(kb.store.stats().passages);
    expect(rebuilt.passages).toBeLessThan(before.passages * 0.75);
    const want = exhaustive(q).map((r) => r.id);
    const got = new Set(kb.searcher.lexical.rank(parseQuery(q), 10).map((r) => r.id));
    expect(want.filter((id) => got.has(id)).length).toBeGreaterThanOrEqual(9);
  });
});
