import fs from 'node:fs';
import path from 'node:path';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '../../data/generate/make-pdf.js';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import { makeScannedPdf, renderPage } from '../fixtures/make-scan.js';
import { HAS_SHARED, PDFS, SAMPLES, openKb, tempDir } from '../helpers.js';

const LEVY =
  'Large employers can transfer up to a quarter of their unspent apprenticeship levy to smaller firms in the county.';
const CAREERS =
  'Every secondary school will publish its careers programme on its website by the end of the spring term.';

const search = (kb: KnowledgeBase, q: string) =>
  kb.search({ q, k: 5, mode: 'hybrid', per_doc: 5, repeats: 'collapse', as_typed: true });

/** Scanned pages: rendered from real PDFs to images, embedded in new PDFs with no text layer, then ingested. */
describe('reading scanned pages (OCR, offline)', () => {
  let dir: string;
  let kb: KnowledgeBase;
  let scanned: string;
  let mixed: string;
  let image: string;

  beforeAll(async () => {
    dir = tempDir();
    const text = await makePdf({
      title: 'Skills update',
      sections: [
        { heading: 'Levy transfers', paragraphs: [LEVY] },
        { paragraphs: [CAREERS], newPage: true },
      ],
    });
    const [page1, page2] = [await renderPage(text, 1), await renderPage(text, 2)];
    scanned = path.join(dir, 'scanned-letter.pdf');
    fs.writeFileSync(scanned, await makeScannedPdf([page1, page2]));
    mixed = path.join(dir, 'mixed-minutes.pdf');
    fs.writeFileSync(
      mixed,
      await makeScannedPdf([
        'Minutes of the schools forum. The forum met on 3 March and agreed the early years funding formula.',
        page1,
      ]),
    );
    image = path.join(dir, 'careers-notice.png');
    fs.writeFileSync(image, page2);
    kb = await openKb();
  }, 120_000);
  afterAll(() => kb?.close());

  it('stores the recognised text on its page, marked with its confidence, and finds it first', async () => {
    const { results } = await kb.ingest([scanned]);
    expect(results[0]).toMatchObject({ status: 'added', ocr: { pages: 2, unreadable: [] } });
    expect(results[0]!.ocr!.confidence).toBeGreaterThan(60);
    const hit = (await search(kb, 'transfer unspent levy to smaller firms')).results[0]!;
    expect(hit.citation.title).not.toBe('');
    expect(hit.citation.page).toBe(1);
    expect(hit.citation.ocr!.confidence).toBeGreaterThan(60);
    expect(hit.text).toMatch(/unspent apprenticeship levy/);
    const careers = (await search(kb, 'careers programme on its website')).results[0]!;
    expect(careers.citation).toMatchObject({ page: 2, document_id: hit.citation.document_id });
  }, 120_000);

  it('in a mixed PDF, recognises only the scanned page; text pages stay as they are', async () => {
    const { results } = await kb.ingest([mixed]);
    expect(results[0]).toMatchObject({ status: 'added', ocr: { pages: 1 } });
    const minutes = (await search(kb, 'early years funding formula')).results[0]!;
    expect(minutes.citation.page).toBe(1);
    expect(minutes.citation.ocr).toBeNull();
    const doc = kb.document(minutes.citation.document_id);
    const page2 = doc.passages.filter((p) => p.page === 2);
    expect(page2.length).toBeGreaterThan(0);
    const hit = (await search(kb, 'unspent apprenticeship levy smaller firms')).results.find(
      (h) => h.citation.document_id === minutes.citation.document_id,
    )!;
    expect(hit.citation).toMatchObject({ page: 2, ocr: { confidence: expect.any(Number) } });
  }, 120_000);

  it('reads a scanned page saved as an image', async () => {
    const { results } = await kb.ingest([image]);
    expect(results[0]).toMatchObject({ status: 'added', ocr: { pages: 1 } });
    const hit = (await search(kb, 'publish its careers programme')).results.find(
      (h) => h.citation.document_id === results[0]!.document_id,
    )!;
    expect(hit.citation).toMatchObject({ page: 1, ocr: { confidence: expect.any(Number) } });
  }, 120_000);

  it('with KB_OCR=off a scan is refused, saying recognition is off', async () => {
    const off = await openKb({ ocr: 'off' });
    const { results } = await off.ingest([scanned, image]);
    expect(results.map((r) => r.error?.code)).toEqual(['NO_TEXT_LAYER', 'NO_TEXT_LAYER']);
    expect(results[0]!.error!.hint).toMatch(/KB_OCR=auto/);
    await off.close();
  });

  it('pages over KB_OCR_MAX_PAGES are reported on the document, not read', async () => {
    const limited = await openKb({ ocrMaxPages: 1 });
    const { results } = await limited.ingest([scanned]);
    expect(results[0]!.ocr).toMatchObject({
      pages: 1,
      unreadable: [{ page: 2, reason: expect.stringMatching(/KB_OCR_MAX_PAGES/) }],
    });
    await limited.close();
  }, 120_000);
});

describe.skipIf(!HAS_SHARED)('a scan of a real page (../shared/corpus/pdfs)', () => {
  it('a page of a real PDF, printed and scanned, is found by a sentence from it', async () => {
    const file = path.join(PDFS, fs.readdirSync(PDFS).filter((f) => f.endsWith('.pdf'))[0]!);
    // pdf.js takes the bytes it is given: each reader gets its own copy.
    const parser = new PDFParse({ data: new Uint8Array(fs.readFileSync(file)) });
    const page = 5;
    const layer = (await parser.getText({ partial: [page] })).pages[0]!.text;
    await parser.destroy();
    // A distinctive sentence of that page's own text layer: its longest line of prose.
    const sentence = layer
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => (l.match(/[a-z ]/gi)?.length ?? 0) > l.length * 0.9)
      .sort((a, b) => b.length - a.length)[0]!;
    expect(sentence.length).toBeGreaterThan(40);
    const dir = tempDir();
    const scan = path.join(dir, 'scanned-page.pdf');
    fs.writeFileSync(scan, await makeScannedPdf([await renderPage(new Uint8Array(fs.readFileSync(file)), page)]));
    // Beside the other real PDF and the samples, so the scan has to win.
    const others = fs.readdirSync(PDFS).filter((f) => f.endsWith('.pdf') && path.join(PDFS, f) !== file);
    const kb = await openKb({}, [SAMPLES, ...others.map((f) => path.join(PDFS, f))]);
    const { results } = await kb.ingest([scan]);
    expect(results[0]!.ocr!.confidence).toBeGreaterThan(70);
    const hit = (await search(kb, sentence)).results[0]!;
    expect(hit.citation.document_id).toBe(results[0]!.document_id);
    expect(hit.citation.ocr).not.toBeNull();
    expect(hit.citation.page).toBe(1);
    await kb.close();
  }, 120_000);
});
if (!HAS_SHARED) process.stderr.write('note: ../shared is not present: the OCR test on a real page is skipped\n');
