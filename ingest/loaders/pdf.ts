import { KbError } from '../../src/errors.js';
import type { LoadedDocument, LoaderLimits, RawFile } from '../document.js';
import { firstLine, pdfPagesToBlocks } from './pdf-layout.js';
import { parseInWorker } from './worker.js';

interface WorkerResult {
  ok?: {
    total: number;
    pages: { num: number; text: string; ocr?: number; unreadable?: string }[];
    title: string | null;
    author: string | null;
    created: string | null;
  };
  error?: 'TOO_MANY_PAGES' | 'ENCRYPTED' | 'MALFORMED';
  pages?: number;
  detail?: string;
}

const WORKER_URL = new URL('./pdf-worker.js', import.meta.url);

/**
 * PDF: text per page, in a worker thread with a time limit and a memory
 * ceiling. Pages without a text layer are recognised (OCR, unless off);
 * a PDF in which no page has text even then is refused.
 */
export async function loadPdf(file: RawFile, limits: LoaderLimits): Promise<LoadedDocument> {
  if (!endsWithEof(file.bytes)) {
    throw new KbError('MALFORMED', {
      file: file.name,
      format: 'PDF',
      detail: 'the file is cut short (no %%EOF marker at its end), so pages may be missing',
    });
  }
  const result = await parseInWorker<WorkerResult>(
    WORKER_URL,
    {
      bytes: file.bytes,
      maxPages: limits.maxPdfPages,
      ocr: { enabled: limits.ocr, maxPages: limits.ocrMaxPages, pageTimeoutMs: limits.ocrPageTimeoutMs },
    },
    // Each page recognised asks for its own time limit (see pdf-worker.js), on top of the parse's.
    limits,
    file.name,
    'PDF',
  );
  if (result.error === 'TOO_MANY_PAGES')
    throw new KbError('TOO_MANY_PAGES', { file: file.name, pages: result.pages, limit: limits.maxPdfPages });
  if (result.error === 'ENCRYPTED') throw new KbError('ENCRYPTED', { file: file.name });
  if (result.error || !result.ok)
    throw new KbError('MALFORMED', { file: file.name, format: 'PDF', detail: result.detail ?? 'unreadable' });
  const { pages, total, title, author, created } = result.ok;
  const pageTexts = pages.map((p) => p.text);
  if (pageTexts.every((t) => t.replace(/\s+/g, '').length === 0))
    throw new KbError(limits.ocr ? 'NO_TEXT_FOUND' : 'NO_TEXT_LAYER', { file: file.name });
  const doc: LoadedDocument = { mime: 'application/pdf', blocks: pdfPagesToBlocks(pageTexts), pages: total };
  const recognised = pages.filter((p) => p.ocr !== undefined);
  if (recognised.length) doc.ocrPages = Object.fromEntries(recognised.map((p) => [p.num, p.ocr!]));
  const unreadable = pages.filter((p) => p.unreadable);
  if (unreadable.length) doc.unreadablePages = unreadable.map((p) => ({ page: p.num, reason: p.unreadable! }));
  const formatTitle = title?.trim() || firstLine(pageTexts);
  if (formatTitle) doc.formatTitle = formatTitle;
  if (author?.trim()) doc.author = author.trim();
  if (created) doc.createdDate = created.slice(0, 10);
  return doc;
}

/** A complete PDF ends with %%EOF (give or take trailing whitespace and a little junk some writers add). */
export function endsWithEof(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2048))).toString('latin1');
  return tail.includes('%%EOF');
}
