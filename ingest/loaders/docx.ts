import { KbError } from '../../src/errors.js';
import { DEFAULT_LIMITS, type LoadedDocument, type LoaderLimits, type RawFile } from '../document.js';
import { htmlToDocument } from './html.js';
import { parseInWorker } from './worker.js';
import { checkZip } from './zip-guard.js';

const WORKER_URL = new URL('./docx-worker.js', import.meta.url);

/**
 * DOCX: converted to HTML by mammoth, so Word's headings become sections.
 * The container is checked first (a zip bomb fails before anything unpacks
 * it), then converted in a worker with the parse time and memory limits.
 */
export async function loadDocx(file: RawFile, limits: LoaderLimits = DEFAULT_LIMITS): Promise<LoadedDocument> {
  checkZip(file.bytes, file.name, limits.maxUnpackedBytes, (name) => name.startsWith('word/media/'));
  const result = await parseInWorker<{ html?: string; error?: string }>(
    WORKER_URL,
    { bytes: file.bytes },
    limits,
    file.name,
    'DOCX',
  );
  if (result.html === undefined)
    throw new KbError('MALFORMED', { file: file.name, format: 'DOCX', detail: result.error ?? 'unreadable' });
  const doc = htmlToDocument(`<body>${result.html}</body>`, file.name, limits);
  return { ...doc, mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' };
}
