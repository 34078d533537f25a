import { describe, expect, it } from 'vitest';
import { rng } from '../../src/embed/lsa/svd.js';
import { findMatches, hasMatch, type Match } from '../../src/search/matches.js';
import { parseQuery } from '../../src/search/query.js';
import { normaliseWord, stemOf } from '../../src/text/terms.js';

/**
 * The plain definition the scanner must agree with: every word by the word
 * pattern, marked when its stem is one of the stems (every word stemmed,
 * no shortcut) or when it is part of a phrase; adjacent marked words
 * separated by spaces joined.
 */
function reference(text: string, stems: Set<string>, phrases: string[][] = []): Match[] {
  const words = [...text.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    raw: m[0],
  }));
  const norms = words.map((w) => normaliseWord(w.raw));
  const marked = words.map((w) => stems.has(stemOf(w.raw)));
  for (const phrase of phrases)
    for (let i = 0; i + phrase.length <= words.length; i++)
      if (phrase.every((p, j) => norms[i + j] === p)) for (let j = 0; j < phrase.length; j++) marked[i + j] = true;
  const out: Match[] = [];
  words.forEach((w, i) => {
    if (!marked[i]) return;
    const prev = out[out.length - 1];
    if (prev && marked[i - 1] && /^\s+$/.test(text.slice(prev.end, w.start))) prev.end = w.end;
    else out.push({ start: w.start, end: w.end });
  });
  return out;
}

const PIECES = [
  'use',
  'used',
  'uses',
  'using',
  'us',
  'attendance',
  'Attend',
  'ATTENDING',
  'school',
  "school's",
  'schools’',
  "o'clock",
  "rock'n'roll",
  "it's",
  "it'",
  'a',
  'I',
  '2024',
  'year7',
  "abc'de5",
  'café',
  'Cafés',
  'naïve',
  'straße',
  'ﬁnance',
  'apprenticeship',
  'Apprenticeships',
  'national',
  'week',
  ' ',
  '  ',
  '\n',
  ', ',
  '. ',
  '-',
  '—',
  "'",
  '’',
  '(',
  ')',
  '"',
  '\t',
];
const STEM_SETS = [
  'use',
  'attend',
  'school',
  'it',
  'cafe',
  'naiv',
  'apprenticeship',
  'financ',
  'year7',
  'rock',
  'a',
  'i',
  '2024',
  'strass',
  'straße',
  'clock',
  "o'clock",
];

describe('where the words of a query are', () => {
  it('agrees with the plain definition on random text, ASCII and not, with and without phrases', () => {
    const rand = rng(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    for (let trial = 0; trial < 3000; trial++) {
      const text = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => pick(PIECES)).join('');
      const stems = new Set(Array.from({ length: Math.floor(rand() * 4) }, () => pick(STEM_SETS)));
      const phrases = rand() < 0.2 ? [[normaliseWord(pick(PIECES).trim() || 'week'), 'week']] : [];
      const want = reference(text, stems, phrases);
      expect(findMatches(text, stems, phrases), JSON.stringify({ text, stems: [...stems], phrases })).toEqual(want);
      expect(hasMatch(text, stems)).toBe(reference(text, stems).length > 0);
    }
  });

  it('finds words whose third letter Porter changes or drops ("pay" is "pai", "use" is "us")', () => {
    const q = parseQuery('use pay days');
    const text = 'We used the hall, uses grew, pay rose and the days were long.';
    expect(findMatches(text, q.stems).map((m) => text.slice(m.start, m.end))).toEqual(['used', 'uses', 'pay', 'days']);
    expect(hasMatch('The hall was empty.', q.stems)).toBe(false);
    expect(hasMatch('Pay rose.', q.stems)).toBe(true);
  });

  it('a parsed query’s phrase words are among its stems, so a passage with the phrase has its words', () => {
    const q = parseQuery('"national apprenticeship week"');
    const text = 'It is National Apprenticeship Week.';
    expect(findMatches(text, q.stems, q.phrases).map((m) => text.slice(m.start, m.end))).toEqual([
      'National Apprenticeship Week',
    ]);
    expect(hasMatch(text, q.stems)).toBe(true);
  });

  it('marks words in text that is not ASCII, folding accents and ligatures as the index does', () => {
    const q = parseQuery('cafe finance');
    const text = 'Le Café: ﬁnances.';
    expect(findMatches(text, q.stems).map((m) => text.slice(m.start, m.end))).toEqual(['Café', 'ﬁnances']);
  });
});
