import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import { parseQuery } from '../../src/search/query.js';
import {
  allowedEdits,
  completionsOf,
  correctionOf,
  editDistance,
  interpret,
  searchedText,
  type Lexicon,
} from '../../src/search/spelling.js';
import { SAMPLES, openKb } from '../helpers.js';

describe('edit distance', () => {
  it.each([
    ['apprenticships', 'apprenticeships', 1],
    ['teh', 'the', 1],
    ['attendence', 'attendance', 1],
    ['shcool', 'school', 1],
    ['kitten', 'sitting', 3],
    ['same', 'same', 0],
  ])('%s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b, 5)).toBe(d);
  });

  it('stops as soon as the distance must exceed the bound', () => {
    expect(editDistance('kitten', 'sitting', 1)).toBe(2);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
  });

  it('allows one edit from 5 letters and two from 9, none below', () => {
    expect([allowedEdits('levy'), allowedEdits('funds'), allowedEdits('attendance')]).toEqual([0, 1, 2]);
  });
});

/** The collection's own vocabulary, through the store, over the sample bulletins and strategy. */
describe('completion and correction from the collection', () => {
  let kb: KnowledgeBase;
  let lexicon: Lexicon;
  beforeAll(async () => {
    kb = await openKb({}, [SAMPLES]);
    const store = kb.store;
    lexicon = {
      postings: (stem) => store.passages.postings(stem),
      startingWith: (prefix, limit) => store.vocabulary.startingWith(prefix, limit),
      alike: (word, spread) => store.vocabulary.alike(word, spread),
    };
  }, 60_000);
  afterAll(() => kb.close());

  it('completes a prefix to the words the collection has, one per stem, the most common first', () => {
    const words = completionsOf('apprent', lexicon);
    expect(words[0]).toBe('apprenticeship');
    expect(words).toContain('apprentice');
    expect(new Set(words.map((w) => w.replace(/s$/, ''))).size).toBe(words.length);
    expect(completionsOf('zzq', lexicon)).toEqual([]);
  });

  it('corrects a typo to the nearest word the collection has, never to a word it lacks', () => {
    expect(correctionOf('apprenticships', lexicon)).toBe('apprenticeships');
    expect(correctionOf('attendence', lexicon)).toBe('attendance');
    expect(correctionOf('shcools', lexicon)).toBe('schools');
    expect(correctionOf('giraffe', lexicon)).toBeNull();
    // Short words are not corrected: too many words are one edit from them.
    expect(correctionOf('levi', lexicon)).toBeNull();
  });

  it('changes only free words the collection does not have; quoted words stay as typed', () => {
    const typo = interpret(parseQuery('apprenticships levy'), lexicon);
    expect(typo.corrections).toEqual([{ typed: 'apprenticships', searched: ['apprenticeships'], kind: 'spelling' }]);
    expect(typo.query.words).toEqual(['apprenticeships', 'levy']);
    expect(typo.query.text).toBe('apprenticeships levy');
    expect(interpret(parseQuery('apprenticeships levy'), lexicon).corrections).toEqual([]);
    expect(interpret(parseQuery('"apprenticships levy"'), lexicon).corrections).toEqual([]);
    // A misspelling with the same stem as the word is found by its stem already: nothing to correct.
    expect(interpret(parseQuery('attendence'), lexicon).corrections).toEqual([]);
  });

  it('completes only the last word typed, and only when the collection has the others', () => {
    const typing = interpret(parseQuery('school levy apprent'), lexicon);
    expect(typing.corrections[0]).toMatchObject({ typed: 'apprent', kind: 'completion' });
    expect(typing.query.groups.at(-1)).toContain('apprenticeship');
    expect(typing.query.text).toBe('school levy apprenticeship');
    // Not the last word: corrected if it can be, never completed.
    expect(interpret(parseQuery('apprent school'), lexicon).corrections).toEqual([]);
    // Words the collection does not have: no completion of the last.
    expect(interpret(parseQuery('giraffes on apprent'), lexicon).corrections).toEqual([]);
    // Followed by an exclusion or a phrase: not being typed.
    expect(interpret(parseQuery('apprent -levy'), lexicon).corrections).toEqual([]);
  });

  it('says what was searched', () => {
    expect(
      searchedText('Attendence and apprenticships', [
        { typed: 'attendence', searched: ['attendance'], kind: 'spelling' },
        { typed: 'apprenticships', searched: ['apprenticeships'], kind: 'spelling' },
      ]),
    ).toBe('attendance and apprenticeships');
  });

  it('through the API: the response says what it changed, and as_typed searches exactly what was typed', async () => {
    const base = { k: 5, mode: 'lexical' as const, per_doc: 3, repeats: 'collapse' as const };
    const corrected = await kb.search({ q: 'Apprenticships', ...base, as_typed: false });
    expect(corrected.corrected).toEqual({
      query: 'apprenticeships',
      changes: [{ typed: 'apprenticships', searched: ['apprenticeships'], kind: 'spelling' }],
    });
    expect(corrected.results.length).toBeGreaterThan(0);
    expect(corrected.results[0]!.snippet).toMatch(/<mark>[Aa]pprenticeships?<\/mark>/);
    const asTyped = await kb.search({ q: 'apprenticships', ...base, as_typed: true });
    expect(asTyped.corrected).toBeNull();
    expect(asTyped.results).toEqual([]);
    const timeline = await kb.timeline({
      q: 'apprenticships',
      mode: 'lexical',
      limit: 50,
      repeats: 'collapse',
      as_typed: false,
    });
    expect(timeline.corrected?.query).toBe('apprenticeships');
    expect(timeline.total).toBeGreaterThan(0);
  });

  it('learns the words of new documents, and forgets what a rolled-back write added', async () => {
    expect(correctionOf('quokkas', lexicon)).toBeNull();
    // A write that fails after adding words stores none of them, and must not stop a later write storing them.
    expect(() =>
      kb.store.transaction(() => {
        kb.store.vocabulary.add('The quokka and the wombat');
        throw new Error('disk trouble');
      }),
    ).toThrow('disk trouble');
    expect(kb.store.vocabulary.has('wombat')).toBe(false);
    kb.ingestText([
      { sourceId: 'text:quokka', title: 'Wildlife visit', text: 'Pupils met the quokka and the wombat at the zoo.' },
    ]);
    await kb.refresh();
    expect(completionsOf('quok', lexicon)).toEqual(['quokka']);
    expect(correctionOf('quokkka', lexicon)).toBe('quokka');
    expect(kb.store.vocabulary.has('wombat')).toBe(true);
  });
});
