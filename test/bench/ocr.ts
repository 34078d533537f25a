/**
 * Recognition speed: pages of a generated text PDF, rendered and embedded
 * as an image-only PDF (a scan), ingested with OCR; against ingesting the
 * same pages with their text layer, in the same run (the ratio is what OCR
 * costs). Run by `npm run bench` after the speed figures, or alone:
 *   npx tsx test/bench/ocr.ts [--pages N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePdf } from '../../data/generate/make-pdf.js';
import { loadConfig } from '../../src/config.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { silentLogger } from '../../src/log.js';
import { makeScannedPdf, renderPage } from '../fixtures/make-scan.js';

export async function benchOcr(pages = 8): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-ocr-bench-'));
  const paragraph =
    'The council will open new specialist places in September for pupils with education, health and care plans, ' +
    'and every secondary school will publish its careers programme before the end of the spring term.';
  const text = await makePdf({
    title: 'Recognition benchmark',
    sections: Array.from({ length: pages }, (_, i) => ({
      heading: `Section ${i + 1}`,
      paragraphs: [paragraph, paragraph, paragraph],
      newPage: i > 0,
    })),
  });
  const images = [];
  for (let p = 1; p <= pages; p++) images.push(await renderPage(text, p));
  fs.writeFileSync(path.join(dir, 'text.pdf'), text);
  fs.writeFileSync(path.join(dir, 'scan.pdf'), await makeScannedPdf(images));
  const time = async (file: string) => {
    const config = loadConfig(
      {},
      { dataDir: fs.mkdtempSync(path.join(dir, 'kb-')), offline: true, logLevel: 'silent' },
    );
    const kb = await KnowledgeBase.open(config, silentLogger);
    const t = performance.now();
    const { results } = await kb.ingest([path.join(dir, file)]);
    const ms = performance.now() - t;
    await kb.close();
    return { ms, confidence: results[0]?.ocr?.confidence ?? null };
  };
  const layer = await time('text.pdf');
  const scan = await time('scan.pdf');
  fs.rmSync(dir, { recursive: true, force: true });
  const figures = {
    pages,
    text_layer_pages_per_s: Math.round((pages / layer.ms) * 1000 * 10) / 10,
    ocr_pages_per_s: Math.round((pages / scan.ms) * 1000 * 100) / 100,
    ocr_time_ratio: Math.round((scan.ms / layer.ms) * 10) / 10,
    ocr_confidence: scan.confidence ?? 0,
  };
  console.log(
    `\nOCR (scale 2, ${pages} A4 pages, ingest with embedding): ${figures.ocr_pages_per_s} pages/s recognised, ` +
      `${figures.text_layer_pages_per_s} pages/s with a text layer (${figures.ocr_time_ratio} x the time), ` +
      `mean confidence ${figures.ocr_confidence}`,
  );
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--pages');
  await benchOcr(at > 0 ? Number(process.argv[at + 1]) : 8);
}
