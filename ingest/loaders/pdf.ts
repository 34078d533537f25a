import { Worker } from 'node:worker_threads';
import { KbError } from '../../src/errors.js';
import type { LoadedDocument, LoaderLimits, RawFile } from '../document.js';
import { firstLine, pdfPagesToBlocks } from './pdf-layout.js';

interface WorkerResult {
  ok?: { total: number; pages: { num: number; text: string }[]; title: string | null; author: string | null; created: string | null };
  error?: 'TOO_MANY_PAGES' | 'ENCRYPTED' | 'MALFORMED';
  pages?: number;
  detail?: string;
}

const WORKER_URL = new URL('./pdf-worker.js', import.meta.url);

/**
 * PDF: text per page, in a worker thread with a time limit and a memory
 * ceiling. A PDF whose pages carry no text is refused: it needs OCR.
 */
export async function loadPdf(file: RawFile, limits: LoaderLimits): Promise<LoadedDocument> {
  const result = await parseInWorker(file, limits);
  if (result.error === 'TOO_MANY_PAGES') throw new KbError('TOO_MANY_PAGES', { file: file.name, pages: result.pages, limit: limits.maxPdfPages });
  if (result.error === 'ENCRYPTED') throw new KbError('ENCRYPTED', { file: file.name });
  if (result.error || !result.ok) throw new KbError('MALFORMED', { file: file.name, format: 'PDF', detail: result.detail ?? 'unreadable' });
  const { pages, total, title, author, created } = result.ok;
  const pageTexts = pages.map((p) => p.text);
  if (pageTexts.every((t) => t.replace(/\s+/g, '').length === 0)) throw new KbError('NO_TEXT_LAYER', { file: file.name });
  const doc: LoadedDocument = { mime: 'application/pdf', blocks: pdfPagesToBlocks(pageTexts), pages: total };
  const formatTitle = title?.trim() || firstLine(pageTexts);
  if (formatTitle) doc.formatTitle = formatTitle;
  if (author?.trim()) doc.author = author.trim();
  if (created) doc.createdDate = created.slice(0, 10);
  return doc;
}

function parseInWorker(file: RawFile, limits: LoaderLimits): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const bytes = new Uint8Array(file.bytes);
    const worker = new Worker(WORKER_URL, {
      workerData: { bytes, maxPages: limits.maxPdfPages },
      transferList: [bytes.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: limits.parseMemoryMb },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new KbError('PARSE_TIMEOUT', { file: file.name, limit: limits.parseTimeoutMs }))),
      limits.parseTimeoutMs,
    );
    worker.once('message', (msg: WorkerResult) => finish(() => resolve(msg)));
    worker.once('error', (err) =>
      finish(() => {
        const detail = /memory/i.test(err.message) ? `ran out of memory (limit ${limits.parseMemoryMb} MiB)` : err.message;
        reject(new KbError('MALFORMED', { file: file.name, format: 'PDF', detail }, { cause: err }));
      }),
    );
    worker.once('exit', (code) =>
      finish(() => reject(new KbError('MALFORMED', { file: file.name, format: 'PDF', detail: `parser stopped (exit ${code})` }))),
    );
  });
}
