// Optical character recognition of page images, offline: tesseract.js with
// the English model from the @tesseract.js-data/eng package (read from
// node_modules, never downloaded). Plain JavaScript, used inside the PDF and
// image parse workers, so the parse time and memory limits hold for it too.
import { createRequire } from 'node:module';
import { createWorker } from 'tesseract.js';

const require = createRequire(import.meta.url);
/** The English model, best_int (the most accurate of the package's two). */
const LANG_PATH = require('@tesseract.js-data/eng').langPath.replace(/4\.0\.0$/, '4.0.0_best_int');

/**
 * A recogniser: one tesseract worker, reused page after page, restarted
 * when a page runs past its time limit.
 */
export class Recogniser {
  constructor(pageTimeoutMs) {
    this.pageTimeoutMs = pageTimeoutMs;
    this.worker = null;
  }

  async start() {
    this.worker ??= await createWorker('eng', 1, {
      langPath: LANG_PATH,
      gzip: true,
      cacheMethod: 'none',
      logger: () => {},
      errorHandler: () => {},
    });
    return this.worker;
  }

  /**
   * The text of one page image (PNG, JPEG or TIFF bytes) and its mean
   * confidence (0–100); or why it could not be read.
   */
  async read(image) {
    const worker = await this.start();
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(
        () => resolve({ unreadable: `no result within ${this.pageTimeoutMs} ms` }),
        this.pageTimeoutMs,
      );
    });
    try {
      const result = await Promise.race([
        worker
          .recognize(Buffer.from(image))
          .then(({ data }) => ({ text: data.text ?? '', confidence: data.confidence })),
        timeout,
      ]);
      if (result.unreadable) {
        await this.stop();
        return result;
      }
      // Line by line (linear): trailing spaces go.
      const text = result.text
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n')
        .trim();
      if (text.replace(/\s+/g, '').length < 3) return { unreadable: 'no text found (a blank or picture-only page?)' };
      return { text, confidence: Math.round(result.confidence) };
    } catch (err) {
      await this.stop();
      return { unreadable: String(err?.message ?? err).slice(0, 200) };
    } finally {
      clearTimeout(timer);
    }
  }

  async stop() {
    const w = this.worker;
    this.worker = null;
    await w?.terminate().catch(() => {});
  }
}
