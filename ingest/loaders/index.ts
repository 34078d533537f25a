import path from 'node:path';
import { KbError } from '../../src/errors.js';
import type { LoadedDocument, LoaderLimits, RawFile } from '../document.js';

export type Format = 'text' | 'html' | 'email' | 'mbox' | 'msg' | 'pdf' | 'docx' | 'image';

export const EXTENSIONS: Record<string, Format> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'text',
  '.markdown': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.eml': 'email',
  '.mbox': 'mbox',
  '.msg': 'msg',
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.tif': 'image',
  '.tiff': 'image',
};

/** Image signatures: PNG, JPEG, TIFF (both byte orders). */
const IMAGE_SIGNATURES = ['\x89PNG\r\n\x1a\n', '\xff\xd8\xff', 'II*\x00', 'MM\x00*'];

/** True when a path has an extension some loader reads (used when walking folders). */
export function isSupportedPath(file: string): boolean {
  return path.extname(file).toLowerCase() in EXTENSIONS;
}

/**
 * Which loader reads a file: the content's signature first (a PDF named
 * .txt is still a PDF), then the extension.
 */
export function detectFormat(file: RawFile): Format {
  const head = Buffer.from(file.bytes.subarray(0, 1024)).toString('latin1');
  const ext = path.extname(file.name).toLowerCase();
  if (head.startsWith('%PDF-')) return 'pdf';
  // An Outlook message is a compound file (as old Office files are): only .msg is read as one.
  if (head.startsWith('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1')) {
    if (ext === '.msg') return 'msg';
    throw new KbError('UNSUPPORTED_TYPE', { file: file.name, detail: 'an old Office file (save it as .docx or PDF)' });
  }
  if (IMAGE_SIGNATURES.some((s) => head.startsWith(s))) return 'image';
  if (head.startsWith('PK\u0003\u0004')) {
    if (ext === '.docx') return 'docx';
    throw new KbError('UNSUPPORTED_TYPE', { file: file.name, detail: 'a ZIP archive that is not a .docx' });
  }
  const byExt = EXTENSIONS[ext];
  // An archive of many messages is split by the pipeline (see mbox.ts); inside another document it is not read.
  if (byExt === 'mbox')
    throw new KbError('UNSUPPORTED_TYPE', { file: file.name, detail: 'a mail archive inside a document' });
  if (byExt === 'pdf')
    throw new KbError('MALFORMED', { file: file.name, format: 'PDF', detail: 'missing %PDF- header' });
  if (byExt === 'docx')
    throw new KbError('MALFORMED', { file: file.name, format: 'DOCX', detail: 'not a ZIP container' });
  if (byExt === 'msg')
    throw new KbError('MALFORMED', { file: file.name, format: 'Outlook message', detail: 'not an Outlook .msg file' });
  if (byExt === 'image')
    throw new KbError('MALFORMED', { file: file.name, format: 'image', detail: 'not a PNG, JPEG or TIFF file' });
  if (byExt) return byExt;
  const text = head.trimStart().toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'html';
  if (
    /^(received|from|message-id|mime-version|return-path|date|subject):/im.test(head.split(/\r?\n\r?\n/)[0] ?? '') &&
    /^from:/im.test(head)
  )
    return 'email';
  throw new KbError('UNSUPPORTED_TYPE', {
    file: file.name,
    detail: ext ? `${ext} files are not read` : 'no file extension',
  });
}

/** Reads a file with the loader for its format (each loaded on first use, to keep start-up quick). */
export async function load(file: RawFile, limits: LoaderLimits): Promise<LoadedDocument> {
  switch (detectFormat(file)) {
    case 'pdf':
      return (await import('./pdf.js')).loadPdf(file, limits);
    case 'docx':
      return (await import('./docx.js')).loadDocx(file, limits);
    case 'email':
      return (await import('./email.js')).loadEmail(file, limits);
    case 'msg':
      return (await import('./msg.js')).loadMsg(file, limits);
    case 'html':
      return (await import('./html.js')).loadHtml(file, limits);
    case 'text':
      return (await import('./text.js')).loadText(file);
    case 'image':
      return (await import('./image.js')).loadImage(file, limits);
    case 'mbox':
      throw new KbError('UNSUPPORTED_TYPE', { file: file.name, detail: 'a mail archive, read by the pipeline' });
  }
}
