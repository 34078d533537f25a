import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { fts5Idf, relevanceModel, weightedBm25, type TermCounts } from '../../src/search/feedback.js';
import { findMatches } from '../../src/search/matches.js';
import { parseQuery } from '../../src/search/query.js';
import { BM25_WEIGHTS } from '../../src/store/schema.js';
import { stemOf, wordsOf } from '../../src/text/terms.js';
import { openKb, SAMPLES } from '../helpers.js';

const counts = (id: number, ...columns: string[]): TermCounts => ({
  id,
  columns: columns.map((c) => wordsOf(c).map(stemOf)),
});

describe('the relevance model (RM3)', () => {
  const ranked = [
    { passage: counts(1, 'Careers', '', 'apprenticeship levy funding for employers and apprentices'), score: 9 },
    { passage: counts(2, 'Skills', '', 'apprentices and employers: the levy pays for training'), score: 7 },
    { passage: counts(3, 'Other', '', 'school meals and transport'), score: 1 },
  ];

  it('keeps the query at its weight, adds the words of the first passages, and its weights sum to 1', () => {
    const model = relevanceModel(['apprenticeship'], ranked, { docs: 2, terms: 5, originalWeight: 0.5 });
    const total = [...model.values()].reduce((s, w) => s + w, 0);
    expect(total).toBeCloseTo(1, 12);
    expect(model.get('apprenticeship')).toBeGreaterThanOrEqual(0.5);
    expect(model.size).toBeLessThanOrEqual(1 + 5);
    // Words of both first passages rank among the added ones; a stop word never does.
    expect(model.has(stemOf('levy'))).toBe(true);
    expect(model.has(stemOf('employers'))).toBe(true);
    expect(model.has('and')).toBe(false);
    expect(model.has('the')).toBe(false);
  });

  it('reads only the first `docs` passages', () => {
    const model = relevanceModel(['apprenticeship'], ranked, { docs: 2, terms: 50, originalWeight: 0.5 });
    expect(model.has(stemOf('meals'))).toBe(false);
    const wider = relevanceModel(['apprenticeship'], ranked, { docs: 3, terms: 50, originalWeight: 0.5 });
    expect(wider.has(stemOf('meals'))).toBe(true);
  });

  it('gives more to the words of better-matched passages', () => {
    const model = relevanceModel(['apprenticeship'], ranked, { docs: 2, terms: 50, originalWeight: 0.5 });
    // 'fund' is only in the first passage (score 9), 'pai' only in the second (score 7), once each in texts of the
    // same length.
    expect(model.get(stemOf('funding'))!).toBeGreaterThan(model.get(stemOf('pays'))!);
  });

  it('with nothing found, is the query alone', () => {
    const model = relevanceModel(['levi', 'fund'], [], { docs: 10, terms: 10, originalWeight: 0.5 });
    expect([...model]).toEqual([
      ['levi', 0.5],
      ['fund', 0.5],
    ]);
  });
});

describe('BM25 as FTS5 computes it', () => {
  it("scores every passage of a real FTS5 table as its bm25() does, with the store's column weights", () => {
    const db = new Database(':memory:');
    db.exec(
      "CREATE VIRTUAL TABLE t USING fts5(title, section, text, tokenize = 'porter unicode61 remove_diacritics 2')",
    );
    const words = ['levy', 'apprentice', 'school', 'funding', 'careers', 'pupils', 'transport', 'meals', 'training'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = (n: number) => Array.from({ length: n }, () => words[Math.floor(next() * words.length)]).join(' ');
    const rows: TermCounts[] = [];
    const insert = db.prepare('INSERT INTO t(rowid, title, section, text) VALUES (?, ?, ?, ?)');
    for (let id = 1; id <= 40; id++) {
      const [title, section, text] = [pick(1 + (id % 3)), id % 4 ? pick(2) : '', pick(5 + (id % 17))];
      insert.run(id, title, section, text);
      rows.push(counts(id, title, section, text));
    }
    const length = rows.reduce((n, r) => n + r.columns.flat().length, 0) / rows.length;
    const df = (term: string) => rows.filter((r) => r.columns.flat().includes(term)).length;
    const stats = { total: rows.length, averageLength: length, df, weights: BM25_WEIGHTS };
    for (const q of ['levy', 'apprentice training', 'school meals transport']) {
      const fts = db
        .prepare(`SELECT rowid AS id, -bm25(t, ${BM25_WEIGHTS.join(', ')}) AS score FROM t WHERE t MATCH ?`)
        .all(q.split(' ').join(' OR ')) as { id: number; score: number }[];
      expect(fts.length).toBeGreaterThan(0);
      const terms = new Map(q.split(' ').map((w) => [stemOf(w), 1]));
      for (const row of fts) {
        const ours = weightedBm25(rows[row.id - 1]!, terms, stats);
        expect(ours).toBeCloseTo(row.score, 9);
      }
    }
    db.close();
  });

  it('never gives a negative IDF (a word in most passages still counts a little)', () => {
    expect(fts5Idf(90, 100)).toBe(1e-6);
    expect(fts5Idf(1, 100)).toBeCloseTo(Math.log(99.5 / 1.5), 12);
  });
});

describe('feedback in search', () => {
  it('is on by default, orders again the passages found and brings no other; a words match has the words', async () => {
    const kb = await openKb({}, [SAMPLES]);
    const q = parseQuery('apprenticeship levy');
    const { ranked, first } = kb.searcher.lexical.rankWithFeedback(
      q,
      50,
      {},
      { docs: 10, terms: 20, originalWeight: 0.5 },
    );
    expect(first.map((r) => r.id)).toEqual(kb.searcher.lexical.rank(q, 50).map((r) => r.id));
    // Feedback orders the passages the query found again, and brings no other.
    expect(new Set(ranked.map((r) => r.id))).toEqual(new Set(first.map((r) => r.id)));
    expect(ranked.map((r) => r.id)).not.toEqual(first.map((r) => r.id));
    for (const mode of ['hybrid', 'lexical'] as const) {
      const res = await kb.search({
        q: 'apprenticeship levy',
        k: 20,
        mode,
        per_doc: 3,
        repeats: 'collapse',
        as_typed: false,
      });
      for (const hit of res.results.filter((h) => h.match === 'words')) {
        const seen = [hit.text, hit.citation.section ?? '', hit.citation.title].some(
          (t) => findMatches(t, q.stems, q.phrases).length > 0,
        );
        expect(seen, `${hit.passage_id} is said to have the words`).toBe(true);
      }
    }
    // On by default: a lexical search ranks by the expanded query.
    const byDefault = await kb.searcher.rank({ q: 'apprenticeship levy', k: 10, mode: 'lexical', perDoc: 50 });
    expect(byDefault.map((r) => r.id)).toEqual(ranked.map((r) => r.id));
    // Off: the ranking is the first one.
    const off = await openKb({ feedbackTerms: 0 }, [SAMPLES]);
    const plain = await off.searcher.rank({ q: 'apprenticeship levy', k: 10, mode: 'lexical', perDoc: 50 });
    expect(plain.map((r) => r.id)).toEqual(first.map((r) => r.id));
    await off.close();
    await kb.close();
  });
});
