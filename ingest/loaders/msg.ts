import MsgReaderModule from '@kenjiuno/msgreader';
import { KbError } from '../../src/errors.js';
import type { Attachment, Block, LoadedDocument, LoaderLimits, RawFile } from '../document.js';

type Reader = {
  getFileData(): MsgFields;
  getAttachment(a: MsgFields): { fileName: string; content: Uint8Array };
};
interface MsgFields {
  error?: string;
  subject?: string;
  senderName?: string;
  senderEmail?: string;
  body?: string;
  bodyHtml?: string;
  messageDeliveryTime?: string;
  clientSubmitTime?: string;
  creationTime?: string;
  internetMessageId?: string;
  attachments?: MsgFields[];
  fileName?: string;
  innerMsgContent?: true;
}
const MsgReader = ((MsgReaderModule as unknown as { default?: unknown }).default ?? MsgReaderModule) as new (
  bytes: Uint8Array,
) => Reader;

/**
 * An Outlook message saved as .msg (@kenjiuno/msgreader): subject, sender,
 * sent date and body (HTML when the message has it, else its plain text),
 * with its attachments handed back to be read as documents of their own,
 * attached to the message, as for .eml; a message attached to a message
 * comes back as a .msg of its own. Runs in the prepare worker, within the
 * parse limits.
 */
export async function loadMsg(file: RawFile, limits: LoaderLimits): Promise<LoadedDocument> {
  let reader: Reader;
  let data: MsgFields;
  try {
    reader = new MsgReader(file.bytes);
    data = reader.getFileData();
  } catch (err) {
    throw new KbError('MALFORMED', { file: file.name, format: 'Outlook message', detail: String(err).slice(0, 200) });
  }
  if (data.error) throw new KbError('MALFORMED', { file: file.name, format: 'Outlook message', detail: data.error });
  if (!data.subject && !data.body && !data.bodyHtml && !data.senderEmail && !data.attachments?.length)
    throw new KbError('MALFORMED', { file: file.name, format: 'Outlook message', detail: 'no message found in it' });
  let blocks: Block[] = [];
  if (data.bodyHtml?.trim()) {
    const { loadHtml } = await import('./html.js');
    blocks = (await loadHtml({ name: file.name, bytes: new TextEncoder().encode(data.bodyHtml) }, limits)).blocks;
  }
  if (!blocks.length)
    blocks = (data.body ?? '')
      .replace(/\r\n?/g, '\n')
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((text) => ({ kind: 'paragraph' as const, text }));
  const doc: LoadedDocument = { mime: 'application/vnd.ms-outlook', blocks };
  if (data.subject?.trim()) doc.formatTitle = data.subject.trim();
  const from = data.senderName?.trim() || data.senderEmail?.trim();
  if (from) doc.author = from;
  const sent = [data.clientSubmitTime, data.messageDeliveryTime, data.creationTime]
    .map((d) => (d ? new Date(d) : null))
    .find((d) => d && !Number.isNaN(d.getTime()));
  if (sent) doc.headerDate = sent.toISOString().slice(0, 10);
  if (data.internetMessageId) doc.sourceId = `mid:${data.internetMessageId.replace(/^<|>$/g, '').trim()}`;
  doc.attachments = (data.attachments ?? []).flatMap((a, i): Attachment[] => {
    try {
      const { fileName, content } = reader.getAttachment(a);
      const name = (fileName || a.fileName || `attachment-${i + 1}`).trim();
      return [{ fileName: name, mime: 'application/octet-stream', bytes: new Uint8Array(content) }];
    } catch {
      return [];
    }
  });
  return doc;
}
