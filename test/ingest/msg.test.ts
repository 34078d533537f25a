import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../ingest/loaders/index.js';
import { isKbError } from '../../src/errors.js';
import { HAS_SHARED, SHARED, openKb } from '../helpers.js';

const MSG = path.join(SHARED, 'corpus', 'msg');
const raw = (name: string, content: string | Uint8Array) => ({
  name,
  bytes: typeof content === 'string' ? new TextEncoder().encode(content) : content,
});
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (err) {
    return isKbError(err) ? err.code : String(err);
  }
};

describe('Outlook messages (.msg)', () => {
  it('a .msg is read by its content: a compound file named .msg; not one named .doc; nothing else named .msg', () => {
    const cfbf = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    expect(detectFormat(raw('message.msg', cfbf))).toBe('msg');
    expect(codeOf(() => detectFormat(raw('letter.doc', cfbf)))).toBe('UNSUPPORTED_TYPE');
    expect(codeOf(() => detectFormat(raw('message.msg', 'not a message')))).toBe('MALFORMED');
  });

  it('a damaged .msg fails alone with a coded reason', async () => {
    const kb = await openKb();
    const bytes = new Uint8Array(4096);
    bytes.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    const dir = fs.mkdtempSync(path.join(kb.config.dataDir, 'in-'));
    fs.writeFileSync(path.join(dir, 'broken.msg'), bytes);
    fs.writeFileSync(path.join(dir, 'good.txt'), 'A good note about school attendance.');
    const { results } = await kb.ingest([dir]);
    const byName = Object.fromEntries(results.map((r) => [path.basename(r.source_id), r]));
    expect(byName['broken.msg']).toMatchObject({ status: 'failed', error: { code: 'MALFORMED' } });
    expect(byName['good.txt']!.status).toBe('added');
    await kb.close();
  });
});

describe.skipIf(!HAS_SHARED)('the real .msg files (../shared/corpus/msg)', () => {
  it('each one ingests with its subject, sender date and attachments; searching its own words finds it', async () => {
    const kb = await openKb();
    const files = fs.readdirSync(MSG).filter((f) => f.endsWith('.msg'));
    expect(files.length).toBeGreaterThan(3);
    const { results } = await kb.ingest(files.map((f) => path.join(MSG, f)));
    const messages = results.filter((r) => r.parent_id === undefined);
    expect(messages.map((r) => r.status)).toEqual(files.map(() => 'added'));
    for (const m of messages) {
      expect(m.title).toBeTruthy();
      expect(m.published_at).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const doc = kb.document(m.document_id!);
      const words =
        doc.text
          .match(/[\p{L}\p{N}]{4,}/gu)
          ?.slice(0, 3)
          .join(' ') ?? m.title!;
      const hit = (
        await kb.search({ q: words, k: 5, mode: 'lexical', per_doc: 5, repeats: 'all', as_typed: true })
      ).results.find((h) => h.citation.document_id === m.document_id);
      expect(hit, `${m.source_id}: "${words}"`).toBeDefined();
    }
    // A message inside a message is a document attached to it.
    const inner = results.find((r) => r.source_id.endsWith('.msg') && r.parent_id !== undefined);
    expect(inner?.status).toBe('added');
    // Pictures are listed on the message, not read, and fail nothing.
    const pictures = results.find((r) => r.source_id.endsWith('attachmentFiles.msg'))!;
    expect(pictures.notes).toEqual([
      'attachment jpg.jpg not read: pictures in e-mails are not scans',
      'attachment png.png not read: pictures in e-mails are not scans',
      'attachment tif.tif not read: pictures in e-mails are not scans',
    ]);
    // Unicode subjects survive.
    expect(results.some((r) => r.title === '畑㵲応ｲ瑤㵨㠱')).toBe(true);
    await kb.close();
  });
});
if (!HAS_SHARED) process.stderr.write('note: ../shared is not present: the tests on the real .msg files are skipped\n');
