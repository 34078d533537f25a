import { KbError } from '../../src/errors.js';
import type { LoadedDocument, LoaderLimits, RawFile } from '../document.js';
import { firstLine, pdfPagesToBlocks } from './pdf-layout.js';
import { parseInWorker } from './worker.js';

interface WorkerResult {
  ok?: {
    total: number;
    pages: { num: number; text: string }[];
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
 * ceiling. A PDF whose pages carry no text is refused: it needs OCR.
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
    { bytes: file.bytes, maxPages: limits.maxPdfPages },
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
    throw new KbError('NO_TEXT_LAYER', { file: file.name });
  const doc: LoadedDocument = { mime: 'application/pdf', blocks: pdfPagesToBlocks(pageTexts), pages: total };
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
