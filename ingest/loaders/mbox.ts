import fs from 'node:fs';
import { Readable } from 'node:stream';
import { mboxReader } from 'mbox-reader';
import { KbError } from '../../src/errors.js';
import type { RawFile } from '../document.js';
import { failure, type IngestResult } from '../results.js';

/**
 * The messages of an mbox archive (Thunderbird, Gmail Takeout, mail servers),
 * one RFC 822 message at a time, read as a stream with mbox-reader (">From "
 * lines restored): an archive may be far larger than any one document. A
 * message over the size limit is reported, not read; the archive's other
 * messages go on.
 */
export async function* mboxMessages(
  source: string | Uint8Array,
  name: string,
  maxMessageBytes: number,
): AsyncGenerator<{ index: number; bytes: Uint8Array } | { index: number; error: KbError }> {
  const head = Buffer.alloc(5);
  if (typeof source === 'string') {
    const fd = fs.openSync(source, 'r');
    try {
      fs.readSync(fd, head, 0, 5, 0);
    } finally {
      fs.closeSync(fd);
    }
  } else Buffer.from(source.subarray(0, 5)).copy(head);
  if (head.toString('latin1') !== 'From ')
    throw new KbError('MALFORMED', { file: name, format: 'mbox', detail: 'it does not start with a "From " line' });
  const stream = typeof source === 'string' ? fs.createReadStream(source) : Readable.from([Buffer.from(source)]);
  let index = 0;
  for await (const message of mboxReader(stream) as AsyncIterable<{ content: Buffer }>) {
    index++;
    const size = message.content.length;
    if (size > maxMessageBytes)
      yield {
        index,
        error: new KbError('FILE_TOO_LARGE', { file: `${name} › message ${index}`, size, limit: maxMessageBytes }),
      };
    else if (size) yield { index, bytes: message.content };
  }
}

/**
 * Ingests an archive's messages, each its own document, known by its
 * Message-ID (else by its place in the archive), each failing alone.
 */
export async function ingestArchive(
  source: string | Uint8Array,
  name: string,
  sourceId: string,
  maxMessageBytes: number,
  ingestOne: (file: RawFile, sourceId: string) => Promise<IngestResult[]>,
): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  try {
    for await (const m of mboxMessages(source, name, maxMessageBytes)) {
      const id = `${sourceId}#message/${m.index}`;
      if ('error' in m) results.push(failure(id, m.error));
      else results.push(...(await ingestOne({ name: `${name} › message ${m.index}.eml`, bytes: m.bytes }, id)));
    }
    if (!results.length) throw new KbError('NO_TEXT', { file: name });
  } catch (err) {
    results.push(failure(sourceId, err));
  }
  return results;
}
