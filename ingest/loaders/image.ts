import { KbError } from '../../src/errors.js';
import type { LoadedDocument, LoaderLimits, RawFile } from '../document.js';
import { parseInWorker } from './worker.js';

interface WorkerResult {
  text?: string;
  confidence?: number;
  unreadable?: string;
}

const WORKER_URL = new URL('./image-worker.js', import.meta.url);

/**
 * A scanned page saved as an image (PNG, JPEG, TIFF): recognised (OCR) in a
 * worker thread, within one page's time limit and the parse memory ceiling.
 * It is one page; its text is marked as recognised, with its confidence.
 */
export async function loadImage(file: RawFile, limits: LoaderLimits): Promise<LoadedDocument> {
  if (!limits.ocr) throw new KbError('NO_TEXT_LAYER', { file: file.name });
  const result = await parseInWorker<WorkerResult>(
    WORKER_URL,
    { bytes: file.bytes, pageTimeoutMs: limits.ocrPageTimeoutMs },
    { ...limits, parseTimeoutMs: limits.parseTimeoutMs + limits.ocrPageTimeoutMs },
    file.name,
    'image',
  );
  if (result.unreadable || !result.text) throw new KbError('NO_TEXT_FOUND', { file: file.name });
  const paragraphs = result.text.split(/\n\s*\n/).filter((p) => p.trim());
  return {
    mime: mimeOf(file.bytes),
    blocks: paragraphs.map((text) => ({ kind: 'paragraph' as const, text, page: 1 })),
    pages: 1,
    ocrPages: { 1: result.confidence ?? 0 },
  };
}

function mimeOf(bytes: Uint8Array): string {
  if (bytes[0] === 0x89) return 'image/png';
  if (bytes[0] === 0xff) return 'image/jpeg';
  return 'image/tiff';
}
