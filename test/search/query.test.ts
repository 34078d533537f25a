import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseQuery, toFtsQuery } from '../../src/search/query.js';
import { reciprocalRankFusion, weightedFusion } from '../../src/search/fusion.js';
import { escapeHtml, snippet } from '../../src/search/highlight.js';
import { findMatches } from '../../src/search/matches.js';

describe('user text to a safe FTS5 query', () => {
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')");
  db.prepare('INSERT INTO t(body) VALUES (?)').run(
    'National Apprenticeship Week began on Monday: apprentices and employers NEAR the coast.',
  );
  const match = (input: string) => {
    const fts = toFtsQuery(parseQuery(input));
    return fts === null ? 0 : (db.prepare('SELECT count(*) AS n FROM t WHERE t MATCH ?').get(fts) as { n: number }).n;
  };

  it.each([
    'apprenticeship AND',
    'NEAR(apprentice week)',
    '-apprentices',
    'body:week',
    'week*',
    '"unbalanced quote',
    'a "b',
    '((week',
    'OR OR OR',
    'NOT',
    '^week',
    'week + monday',
    "it's the employers' week",
    'café',
    '"',
    '',
    '   ',
    '!!!',
    '{week}',
    'week; DROP TABLE t; --',
  ])('never fails on %j', (input) => {
    expect(() => match(input)).not.toThrow();
  });

  it('matches the words, stemmed, and treats operators as words', () => {
    expect(match('apprenticeships')).toBe(1);
    expect(match('employer week')).toBe(1);
    expect(match('NEAR')).toBe(1);
    expect(match('zebra')).toBe(0);
  });

  it('honours quoted phrases', () => {
    expect(parseQuery('"apprenticeship week" employers').phrases).toEqual([['apprenticeship', 'week']]);
    expect(match('"national apprenticeship week"')).toBe(1);
    expect(match('"week national"')).toBe(0);
  });

  it('drops stop words unless nothing else is left', () => {
    expect(parseQuery('what did we say about apprenticeships').words).toEqual(['apprenticeships']);
    expect(parseQuery('the').words).toEqual(['the']);
    expect(toFtsQuery(parseQuery('   '))).toBeNull();
  });
});

describe('query syntax: "phrase", -word, OR', () => {
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')");
  const rows = [
    'Every penny of the public purse is spent on pupils.', // 1
    'The purse strings of the public sector are tight.', // 2
    'Apprenticeships for young people in Kent.', // 3
    'Traineeships for young people in Kent.', // 4
    'Young people in Medway.', // 5
  ];
  for (const r of rows) db.prepare('INSERT INTO t(body) VALUES (?)').run(r);
  const ids = (input: string, operator: 'OR' | 'AND' = 'OR') => {
    const fts = toFtsQuery(parseQuery(input), operator);
    return fts === null
      ? []
      : (db.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid').pluck().all(fts) as number[]);
  };

  it('a quoted phrase must be in every result; the free words only rank', () => {
    expect(ids('"public purse"')).toEqual([1]);
    expect(ids('"public purse" pupils sector')).toEqual([1]);
    expect(ids('public purse')).toEqual([1, 2]);
    const q = parseQuery('spending "public purse"');
    expect(q.required).toEqual([[['public', 'purse']]]);
    expect(q.words).toEqual(['spending']);
    expect(q.text).toBe('spending public purse');
  });

  it('a quoted single word is required too', () => {
    expect(ids('"medway" young')).toEqual([5]);
  });

  it('-word and -"phrase" exclude; exclusions alone find nothing', () => {
    expect(ids('young people -kent')).toEqual([5]);
    expect(ids('young -"in kent"')).toEqual([5]);
    expect(ids('"young people" -traineeships')).toEqual([3, 5]);
    expect(ids('-kent')).toEqual([]);
    const q = parseQuery('young -kent');
    expect(q.excluded).toEqual([['kent']]);
    expect(q.text).toBe('young');
    expect(parseQuery('well-being').excluded).toEqual([]);
  });

  it('OR joins alternatives; without it every group is needed when all words are asked for', () => {
    expect(ids('apprenticeships OR traineeships kent', 'AND')).toEqual([3, 4]);
    expect(ids('apprenticeships traineeships', 'AND')).toEqual([]);
    expect(parseQuery('levy OR funding schools').groups).toEqual([['levy', 'funding'], ['schools']]);
    expect(ids('"public purse" OR traineeships')).toEqual([1, 4]);
    expect(parseQuery('"public purse" OR traineeships').required).toEqual([[['public', 'purse'], ['traineeships']]]);
    // A lower-case or, a dangling OR and OR OR are words or nothing, never errors.
    expect(parseQuery('kent or medway').groups).toEqual([['kent'], ['medway']]);
    expect(ids('OR kent OR')).toEqual([3, 4]);
  });

  it('an unbalanced quote is text', () => {
    expect(parseQuery('"public purse').required).toEqual([]);
    expect(ids('"public purse')).toEqual([1, 2]);
  });
});

describe('fusion', () => {
  it('reciprocal rank fusion adds 1/(k + rank) across lists', () => {
    const fused = reciprocalRankFusion(
      [
        [
          { id: 1, score: 9 },
          { id: 2, score: 5 },
        ],
        [
          { id: 2, score: 0.9 },
          { id: 3, score: 0.8 },
        ],
      ],
      { k: 60 },
    );
    expect(fused.map((f) => f.id)).toEqual([2, 1, 3]);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 61, 12);
    expect(fused[0]!.ranks).toEqual([2, 1]);
    expect(fused[2]!.ranks).toEqual([null, 2]);
  });

  it('breaks ties by the better single rank, and ignores duplicates within a list', () => {
    const fused = reciprocalRankFusion([
      [
        { id: 5, score: 1 },
        { id: 5, score: 1 },
      ],
      [{ id: 4, score: 1 }],
    ]);
    expect(fused.map((f) => f.id)).toEqual([4, 5]);
    expect(fused[1]!.score).toBeCloseTo(1 / 61, 12);
  });

  it('weighted fusion combines min–max normalised scores', () => {
    const fused = weightedFusion(
      [
        [
          { id: 1, score: 10 },
          { id: 2, score: 0 },
        ],
        [
          { id: 2, score: 0.9 },
          { id: 1, score: 0.1 },
        ],
      ],
      [0.25, 0.75],
    );
    expect(fused.map((f) => [f.id, f.score])).toEqual([
      [2, 0.75],
      [1, 0.25],
    ]);
  });
});

describe('snippets', () => {
  it('escapes the text before marking, so stored text never becomes markup', () => {
    const html = snippet(
      '<script>alert(1)</script> apprentices & <img src=x onerror=alert(2)>',
      new Set(['apprentic']),
    );
    expect(html).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; <mark>apprentices</mark> &amp; &lt;img src=x onerror=alert(2)&gt;',
    );
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });

  it('marks stems and whole phrases', () => {
    const text = 'National Apprenticeship Week: apprenticeships for all.';
    expect(findMatches(text, new Set(['apprenticeship'])).map((m) => text.slice(m.start, m.end))).toEqual([
      'Apprenticeship',
      'apprenticeships',
    ]);
    expect(
      findMatches(text, new Set(), [['national', 'apprenticeship', 'week']]).map((m) => text.slice(m.start, m.end)),
    ).toEqual(['National Apprenticeship Week']);
  });

  it('cuts a long passage to the window with the matches, at word boundaries', () => {
    const text = `${'filler words here '.repeat(40)}the attendance figures ${'more filler text '.repeat(40)}`;
    const html = snippet(text, new Set(['attend']), [], 120);
    expect(html).toContain('<mark>attendance</mark>');
    expect(html.startsWith('… ')).toBe(true);
    expect(html.endsWith(' …')).toBe(true);
    expect(html.length).toBeLessThan(160);
  });
});
