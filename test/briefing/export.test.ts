import fs from 'node:fs';
import path from 'node:path';
import mammoth from 'mammoth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hit } from '../../src/api/responses.js';
import { sourceLine } from '../../src/briefing/pack.js';
import { kb as runKb, serveSamples, tempDir } from '../helpers.js';

/** Briefing packs: quotes with their notes and citations, as Word and Markdown, through the API and the CLI. */
describe('briefing packs', () => {
  let served: Awaited<ReturnType<typeof serveSamples>>;
  let base: string;
  let picks: Hit[];

  const search = async (q: string, extra = '') =>
    ((await (await fetch(`${base}api/search?q=${encodeURIComponent(q)}&k=10${extra}`)).json()) as { results: Hit[] })
      .results;
  const exportPack = (body: unknown) =>
    fetch(`${base}api/briefings/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    served = await serveSamples();
    base = served.running.url;
    // Three passages from different documents, one from a PDF page.
    const pdf = (await search('specialist places', '&kind=strategy')).find((h) => h.citation.page !== null)!;
    const bulletins = (await search('apprenticeship levy')).filter(
      (h) => h.citation.page === null && h.citation.document_id !== pdf.citation.document_id,
    );
    picks = [bulletins[0]!, pdf, bulletins.find((h) => h.citation.document_id !== bulletins[0]!.citation.document_id)!];
    expect(picks.every(Boolean)).toBe(true);
  });
  afterAll(() => served?.running.close());

  const items = () => picks.map((h, i) => ({ passage_id: h.passage_id, note: `Note ${i + 1}: for the cabinet paper` }));

  it('as a Word document: every quote exactly, its citation with its page, and its note, in order', async () => {
    const res = await exportPack({ title: 'Apprenticeships: what we said', format: 'docx', items: items() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/wordprocessingml/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="Apprenticeships-what-we-said.docx"');
    const { value: text } = await mammoth.extractRawText({ buffer: Buffer.from(await res.arrayBuffer()) });
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Apprenticeships: what we said');
    let at = 0;
    picks.forEach((h, i) => {
      const quote = h.text.replace(/\s+/g, ' ').trim();
      const where = flat.indexOf(quote, at);
      expect(where, `quote ${i + 1} in order`).toBeGreaterThan(at - 1);
      at = where;
      expect(flat).toContain(sourceLine(h.citation));
      expect(flat).toContain(`Note ${i + 1}: for the cabinet paper`);
    });
    expect(flat).toMatch(/p\. \d+/);
    expect(flat).toContain(new URL(picks[1]!.citation.raw_url, base).href);
  });

  it('as Markdown, with the chosen sentences of a passage; a passage that is gone is kept with a note', async () => {
    const sentence = picks[0]!.text.split(/(?<=\.)\s/)[0]!;
    const res = await exportPack({
      title: 'Pack',
      format: 'md',
      items: [
        { passage_id: picks[0]!.passage_id, text: sentence },
        { passage_id: 999_999, note: 'was here' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/markdown/);
    const md = await res.text();
    expect(md).toMatch(/^# Pack\n/);
    expect(md).toContain(`1. “${sentence.replace(/\s+/g, ' ').replace(/([\\`*_[\]])/g, '\\$1')}”`);
    expect(md).toContain(`Source: ${sourceLine(picks[0]!.citation)}`);
    expect(md).toMatch(/2\. \*Passage 999999 is no longer in the knowledge base/);
    expect(md).toContain('Note: was here');
  });

  it('refuses words that are not the passage’s own, and an empty pack', async () => {
    const altered = await exportPack({
      format: 'md',
      items: [{ passage_id: picks[0]!.passage_id, text: 'Not said.' }],
    });
    expect(altered.status).toBe(400);
    expect((await altered.json()).error.message).toMatch(/own words/);
    expect((await exportPack({ format: 'md', items: [] })).status).toBe(400);
  });

  it('kb quote writes the same pack from the command line', () => {
    const out = path.join(tempDir(), 'pack.docx');
    const ids = picks.map((h) => String(h.passage_id));
    const r = runKb(['--data', served.config.dataDir, '--json', 'quote', ...ids, '--format', 'docx', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.json()[0]).toMatchObject({ format: 'docx', quotes: 3, missing: [] });
    expect(fs.statSync(out).size).toBeGreaterThan(1000);
    const md = runKb(['--data', served.config.dataDir, 'quote', ids[0]!, '999999', '--title', 'CLI pack']);
    expect(md.code).toBe(1);
    expect(md.stdout).toMatch(/^# CLI pack\n/);
    expect(md.stdout).toContain('Passage 999999 is no longer in the knowledge base');
  });
});
