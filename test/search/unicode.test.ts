import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import { openKb, tempDir, writeFile } from '../helpers.js';

/**
 * The same word written different ways matches: composed and decomposed
 * accents, ligatures, full-width letters (NFKC on the documents' text and
 * on queries alike). And a canonical link that is not a web address is
 * never offered as a citation's source.
 */
describe('text written in other Unicode forms', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await openKb();
    const dir = tempDir();
    const docs: [string, string][] = [
      [
        'ligature.txt',
        'Finance update 9 July 2024\n\nThe \uFB01nance team will publish the o\uFB03ce budget for every school ' +
          'before the autumn term begins.',
      ],
      [
        'fullwidth.txt',
        'Schools update 10 July 2024\n\nThe \uFF2B\uFF45\uFF4E\uFF54 schools forum meets on Tuesday to agree the ' +
          'funding formula for next year.',
      ],
      [
        'decomposed.txt',
        'Caf\u00e9 update 11 July 2024\n\nThe cafe\u0301 at the Zoe\u0308 centre opens for families on Saturday ' +
          'mornings.',
      ],
    ];
    for (const [name, text] of docs) writeFile(dir, name, text);
    writeFile(
      dir,
      'canonical.html',
      '<html><head><link rel="canonical" ' +
        'href="javascript:alert(1)"><title>Trips</title></head><body><main><p>School trips for the summer term: ' +
        'every parent gets the forms by e-mail this week.</p></main></body></html>',
    );
    await kb.ingest([dir]);
  });
  afterAll(async () => {
    await kb?.close();
  });

  const top = async (q: string) =>
    (await kb.searcher.search({ q, k: 3, mode: 'lexical', perDoc: 3 })).results[0]?.citation.title;

  it('a ligature or full-width word in a document matches the plain word', async () => {
    expect(await top('finance office')).toBe('Finance update 9 July 2024');
    expect(await top('Kent schools forum')).toBe('Schools update 10 July 2024');
  });

  it('decomposed accents match composed ones, in documents and in queries', async () => {
    expect(await top('café')).toBe('Café update 11 July 2024');
    expect(await top('Zoe\u0308 centre')).toBe('Café update 11 July 2024');
    expect(await top('zoë')).toBe('Café update 11 July 2024');
  });

  it('a javascript: canonical link is not a source: the citation names the file', async () => {
    const hit = (await kb.searcher.search({ q: 'school trips forms', k: 1, mode: 'lexical', perDoc: 1 })).results[0]!;
    expect(hit.citation.source).toBe('canonical.html');
    expect(kb.store.documents.get(hit.citation.document_id)!.source_url).toBeNull();
  });
});
