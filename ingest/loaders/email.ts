import PostalMime from 'postal-mime';
import { KbError } from '../../src/errors.js';
import { DEFAULT_LIMITS, type Attachment, type LoadedDocument, type LoaderLimits, type RawFile } from '../document.js';
import { htmlToDocument } from './html.js';
import { textToBlocks } from './text.js';
import { looksBinary } from './decode.js';

/**
 * E-mail (.eml): the body (plain text preferred, else HTML) with the
 * Subject, From and Date headers; attachments are handed back to be
 * ingested as documents of their own.
 */
export async function loadEmail(
  file: RawFile,
  limits: Pick<LoaderLimits, 'maxHtmlDepth'> = DEFAULT_LIMITS,
): Promise<LoadedDocument> {
  if (looksBinary(file.bytes)) throw new KbError('BINARY_CONTENT', { file: file.name });
  let email;
  try {
    email = await PostalMime.parse(file.bytes, { attachmentEncoding: 'arraybuffer' });
  } catch (err) {
    throw new KbError(
      'MALFORMED',
      { file: file.name, format: 'e-mail', detail: err instanceof Error ? err.message : String(err) },
      { cause: err },
    );
  }
  if (!email.from && !email.date && !email.subject && !email.messageId) {
    throw new KbError('MALFORMED', {
      file: file.name,
      format: 'e-mail',
      detail: 'no From, Date, Subject or Message-ID header',
    });
  }
  const body: LoadedDocument = email.text?.trim()
    ? { mime: 'message/rfc822', blocks: textToBlocks(stripQuoted(email.text)) }
    : { ...htmlToDocument(email.html ?? '', file.name, limits), mime: 'message/rfc822' };
  const doc: LoadedDocument = { ...body, mime: 'message/rfc822' };
  if (email.subject?.trim()) doc.formatTitle = email.subject.trim();
  const from = email.from?.name || email.from?.address;
  if (from) doc.author = from;
  if (email.date && /^\d{4}-\d{2}-\d{2}/.test(email.date)) doc.headerDate = email.date.slice(0, 10);
  if (email.messageId) doc.sourceId = `mid:${email.messageId.replace(/^<|>$/g, '').trim()}`;
  doc.attachments = email.attachments
    .filter((a) => a.disposition !== 'inline' || !a.related)
    .map((a, i): Attachment => ({
      fileName: a.filename?.trim() || `attachment-${i + 1}`,
      mime: a.mimeType,
      bytes:
        a.content instanceof ArrayBuffer
          ? new Uint8Array(a.content)
          : typeof a.content === 'string'
            ? new TextEncoder().encode(a.content)
            : a.content,
    }));
  return doc;
}

/** Drops a trailing forwarded/quoted history ("> " lines). */
function stripQuoted(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((line) => !/^>/.test(line))
    .join('\n');
}
