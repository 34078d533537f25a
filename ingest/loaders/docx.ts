import mammoth from 'mammoth';
import { KbError } from '../../src/errors.js';
import type { LoadedDocument, RawFile } from '../document.js';
import { htmlToDocument } from './html.js';

/** DOCX: converted to HTML by mammoth, so Word's headings become sections. */
export async function loadDocx(file: RawFile): Promise<LoadedDocument> {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(file.bytes) })).value;
  } catch (err) {
    throw new KbError('MALFORMED', { file: file.name, format: 'DOCX', detail: err instanceof Error ? err.message : String(err) }, { cause: err });
  }
  const doc = htmlToDocument(`<body>${html}</body>`);
  return { ...doc, mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' };
}
