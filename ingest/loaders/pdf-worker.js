// Parses one PDF in a worker thread, so a hostile or huge file can be
// stopped (terminate on timeout) and held to a memory ceiling
// (resourceLimits) without taking the process down. Plain JavaScript: it is
// loaded the same way by the CLI, the server and the tests.
import { parentPort, workerData } from 'node:worker_threads';
import { PDFParse } from 'pdf-parse';
import { Recogniser } from '../ocr/recognise.js';

const { bytes, maxPages, ocr } = workerData;

/** A page with fewer visible characters than this has no text layer to speak of: a scan, or blank. */
const SCANNED_CHARS = 20;
/** Rendering scale for recognition (2: about 144 dpi on A4, where tesseract reads body text well). */
const OCR_SCALE = 2;

/**
 * Recognises the pages that have no text layer: those with an image are
 * rendered and read one at a time, up to ocr.maxPages; blank ones are
 * skipped. Each page says what became of it.
 */
async function recognise(parser, pages) {
  const scanned = pages.filter((p) => p.text.replace(/\s+/g, '').length < SCANNED_CHARS);
  if (!scanned.length) return;
  const images = await parser.getImage({ partial: scanned.map((p) => p.num), imageBuffer: false, imageDataUrl: false });
  const withImage = new Set(images.pages.filter((p) => p.images.length > 0).map((p) => p.pageNumber));
  const recogniser = new Recogniser(ocr.pageTimeoutMs);
  let read = 0;
  try {
    for (const page of scanned) {
      if (!withImage.has(page.num)) continue; // blank: nothing to read
      if (read >= ocr.maxPages) {
        page.unreadable = `over the limit of ${ocr.maxPages} recognised pages (KB_OCR_MAX_PAGES)`;
        continue;
      }
      read++;
      // This page has its own time limit (render and recognition), on top of the parse's.
      parentPort.postMessage({ extendMs: ocr.pageTimeoutMs + 10_000 });
      const shot = await parser.getScreenshot({
        partial: [page.num],
        scale: OCR_SCALE,
        imageBuffer: true,
        imageDataUrl: false,
      });
      const result = await recogniser.read(shot.pages[0].data);
      if (result.unreadable) page.unreadable = result.unreadable;
      else {
        page.text = result.text;
        page.ocr = result.confidence;
      }
    }
  } finally {
    await recogniser.stop();
  }
}

async function main() {
  const parser = new PDFParse({ data: bytes, verbosity: 0, isEvalSupported: false });
  try {
    const info = await parser.getInfo();
    if (info.total > maxPages) return { error: 'TOO_MANY_PAGES', pages: info.total };
    const text = await parser.getText({ pageJoiner: '' });
    const pages = text.pages.map((p) => ({ num: p.num, text: p.text }));
    if (ocr?.enabled) await recognise(parser, pages);
    const dict = info.info ?? {};
    const created = typeof info.getDateNode === 'function' ? info.getDateNode()?.CreationDate : null;
    return {
      ok: {
        total: text.total,
        pages,
        title: typeof dict.Title === 'string' ? dict.Title : null,
        author: typeof dict.Author === 'string' ? dict.Author : null,
        created: created instanceof Date && !Number.isNaN(created.getTime()) ? created.toISOString() : null,
      },
    };
  } finally {
    await parser.destroy().catch(() => {});
  }
}

main().then(
  (result) => parentPort.postMessage(result),
  (err) => {
    const name = err?.name ?? 'Error';
    const code = name === 'PasswordException' ? 'ENCRYPTED' : 'MALFORMED';
    parentPort.postMessage({ error: code, detail: String(err?.message ?? err).slice(0, 300) });
  },
);
