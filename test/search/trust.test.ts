import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import { isContentsLine } from '../../ingest/line-kinds.js';
import { BULLETINS, HAS_SHARED, PDFS, openKb } from '../helpers.js';

/**
 * Results people can trust, on the real bulletins and PDFs in
 * ../shared/corpus (two bulletins as the council published them, two PDFs
 * no one here wrote), with the built-in embedder: what an officer or a
 * briefing writer would be misled by if it came back.
 */
describe.skipIf(!HAS_SHARED)('results on the real corpus', () => {
  let kb: KnowledgeBase;
  const search = (q: string, extra: Record<string, unknown> = {}) =>
    kb.search({ q, k: 10, mode: 'hybrid', per_doc: 3, repeats: 'collapse', as_typed: false, ...extra });
  const timeline = (q: string) => kb.timeline({ q, mode: 'hybrid', limit: 200, repeats: 'collapse', as_typed: false });

  beforeAll(async () => {
    kb = await openKb({}, [BULLETINS, PDFS]);
  }, 120_000);
  afterAll(() => kb.close());

  it('"public purse": every result has the phrase, in every mode', async () => {
    for (const mode of ['hybrid', 'semantic', 'lexical'] as const) {
      const res = await search('"public purse"', { mode });
      expect(res.results.length).toBeGreaterThan(0);
      for (const h of res.results) expect(h.text.replace(/\s+/g, ' ').toLowerCase()).toContain('public purse');
    }
  });

  it('-word leaves out every passage with the word, in the meaning leg too', async () => {
    for (const mode of ['hybrid', 'semantic'] as const) {
      const res = await search('early help -kelsi', { mode });
      expect(res.results.length).toBeGreaterThan(0);
      for (const h of res.results) expect(h.text.toLowerCase()).not.toContain('kelsi');
    }
  });

  it('apprent (being typed) and apprenticships (a typo) bring the Apprenticeship Week passage first', async () => {
    for (const q of ['apprent', 'apprenticships']) {
      const res = await search(q);
      expect(res.results[0]!.text).toContain('National Apprenticeship Week began');
      expect(res.corrected).not.toBeNull();
    }
    const typo = await search('apprenticships');
    expect(typo.corrected).toEqual({
      query: 'apprenticeships',
      changes: [{ typed: 'apprenticships', searched: ['apprenticeships'], kind: 'spelling' }],
    });
    const typing = await search('apprent');
    expect(typing.corrected!.changes[0]).toMatchObject({ typed: 'apprent', kind: 'completion' });
    expect(typing.corrected!.changes[0]!.searched).toContain('apprenticeship');
    // As typed, the typo finds no passage by its words.
    const asTyped = await search('apprenticships', { as_typed: true, mode: 'lexical' });
    expect(asTyped.corrected).toBeNull();
    expect(asTyped.results).toEqual([]);
  });

  it('a passage without the words is shown only above the meaning floor, and says so', async () => {
    for (const q of ['what did we say about apprenticeships', 'young people not in work or training', 'early help']) {
      const res = await search(q);
      expect(res.meaning_floor).toEqual(expect.any(Number));
      for (const h of res.results) {
        if (h.match === 'words') continue;
        const similarity = (await kb.searcher.semantic.rank(q, 200)).find((r) => r.id === h.passage_id)?.score;
        expect(similarity).toBeGreaterThanOrEqual(res.meaning_floor!);
      }
    }
    // The words of the question found in every passage labelled so.
    const res = await search('what did we say about apprenticeships');
    for (const h of res.results.filter((x) => x.match === 'words')) expect(h.snippet).toContain('<mark>');
    // A question about nothing in the collection shows nothing, rather than noise.
    const nothing = await search('giraffes on safari');
    expect(nothing.results).toEqual([]);
  });

  it('the timeline dates and counts only passages that have the words', async () => {
    const t = await timeline('apprenticeships');
    expect(t.latest).not.toBeNull();
    const latest = kb.document(t.latest!.document_id);
    expect(latest.document.kind).toBe('bulletin');
    expect(latest.text.toLowerCase()).toContain('apprenticeships');
    const mentions = [...t.months.flatMap((m) => m.passages), ...t.undated];
    expect(mentions.length).toBe(t.total);
    for (const e of mentions) {
      expect(e.match).toBe('words');
      expect(`${e.citation.section ?? ''} ${e.text}`.toLowerCase()).toMatch(/apprenticeship/);
    }
    const none = await timeline('young people not in work or training');
    expect(none.total).toBe(0);
    for (const e of [...none.months.flatMap((m) => m.passages), ...none.undated]) expect(e.match).toBe('words');
    for (const e of none.meaning) {
      expect(e.match).toBe('meaning');
      expect(e.score).toBeGreaterThanOrEqual(none.meaning_floor!);
    }
  });

  it('passages are cited under the heading in force over them', async () => {
    const sectionOf = async (words: string) => {
      const res = await search(`"${words}"`, { mode: 'lexical' });
      expect(res.results.length).toBe(1);
      return res.results[0]!.citation.section;
    };
    expect(await sectionOf('Over 5,000 children')).toBe('Early Help Strategy and Three Year Plan');
    expect(await sectionOf('We have published on the KELSI website the Early Help Strategy')).toBe(
      'Early Help Strategy and Three Year Plan',
    );
    // Table rows and code are not headings; no stored passage is a contents line.
    const documents = kb.documents({ limit: 50, offset: 0 }).documents;
    for (const d of documents) {
      for (const p of kb.document(d.id).passages) {
        expect(p.section ?? '').not.toMatch(/CARD32|_[A-Z]|::=|strlen/);
        for (const line of p.text.split('\n')) expect(isContentsLine(line), line).toBe(false);
      }
    }
  });

  it('where the per-document cap hides passages, its last hit says how many and links to them', async () => {
    const res = await search('young people', { per_doc: 1 });
    const capped = res.results.find((h) => h.more_in_document);
    expect(capped).toBeDefined();
    const more = capped!.more_in_document!;
    expect(more.count).toBeGreaterThan(0);
    const url = new URL(more.url, 'http://kb.local');
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('q')).toBe('young people');
    const document = Number(url.searchParams.get('document'));
    expect(document).toBe(capped!.citation.document_id);
    const inDocument = await search('young people', { document, per_doc: 10 });
    expect(inDocument.results.length).toBeGreaterThanOrEqual(Math.min(10, more.count + 1));
    for (const h of inDocument.results) expect(h.citation.document_id).toBe(document);
  });

  it('answers a question with the sentence that answers it, and says when nothing does', async () => {
    const answer = async (question: string) =>
      (await kb.ask({ question, k: 5, filters: {}, as_typed: false })).answer.map((a) => a.text);
    expect((await answer('young people not in work or training')).join(' ')).toContain(
      'full participation of all young people in education and training to age 18',
    );
    expect((await answer('how many children receive early help support'))[0]).toContain(
      'Over 5,000 children and young people are currently receiving support through Early Help',
    );
    expect(await answer('when does the zebra migration start')).toEqual([]);
  });
});
