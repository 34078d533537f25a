import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Store } from '../../src/store/store.js';
import { summarise } from '../../ingest/pipeline.js';
import {
  BULLETINS,
  HAS_SHARED,
  SAMPLES,
  offsetsCheckOut,
  openPipeline,
  query,
  tempDir,
  writeFile,
} from '../helpers.js';
import { makeEml } from '../../data/generate/make-eml.js';
import { makePdf } from '../../data/generate/make-pdf.js';

const stores: Store[] = [];
function setup(overrides = {}) {
  const s = openPipeline(overrides);
  stores.push(s.store);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function ingestAll(pipeline: ReturnType<typeof setup>['pipeline'], paths: string[]) {
  const out = [];
  for await (const results of pipeline.ingestPaths(paths)) out.push(...results);
  return out;
}

const dataOf = (store: Store) => store.folder.dir;
const count = (store: Store, table: string) =>
  query<{ n: number }>(dataOf(store), `SELECT count(*) AS n FROM ${table}`)[0]!.n;
const ftsHits = (store: Store, word: string) =>
  query<{ n: number }>(
    dataOf(store),
    'SELECT count(*) AS n FROM passages_fts WHERE passages_fts MATCH ?',
    `"${word}"`,
  )[0]!.n;

const paragraph = (topic: string) =>
  `${topic} is the subject of this paragraph, which has enough words in it to be a passage of its own when the file ` +
  `is split into passages for search.`;

describe('ingesting the bundled samples', () => {
  it('stores every sample with its passages, the attachment linked to its bulletin, offsets right', async () => {
    const { store, pipeline } = setup();
    const results = await ingestAll(pipeline, [SAMPLES]);
    const summary = summarise(results);
    expect(summary.failed).toBe(0);
    expect(summary.added).toBe(12);
    const attachment = results.find((r) => r.title === 'Skills and Apprenticeships Strategy 2024 to 2027')!;
    const bulletin = results.find((r) => r.title === '5 March 2024 weekly update')!;
    expect(attachment.parent_id).toBe(bulletin.document_id);
    expect(store.documents.get(attachment.document_id!)).toMatchObject({
      parent_id: bulletin.document_id,
      kind: 'strategy',
      pages: 3,
      mime: 'application/pdf',
    });
    expect(offsetsCheckOut(dataOf(store))).toBe(true);
    expect(store.check()).toEqual([]);
    const stats = store.stats();
    expect(stats).toMatchObject({ documents: 12, date_range: { from: '2024-01-09', to: '2025-01-14' } });
  });

  it('a second run reports every file unchanged and writes nothing', async () => {
    const { store, pipeline } = setup();
    await ingestAll(pipeline, [SAMPLES]);
    const before = query(dataOf(store), 'SELECT id, updated_at FROM documents ORDER BY id');
    const mtime = fs.statSync(store.file).mtimeMs;
    const wal = fs.statSync(`${store.file}-wal`).size;
    const again = await ingestAll(pipeline, [SAMPLES]);
    expect(new Set(again.map((r) => r.status))).toEqual(new Set(['unchanged']));
    expect(again).toHaveLength(11);
    expect(query(dataOf(store), 'SELECT id, updated_at FROM documents ORDER BY id')).toEqual(before);
    // Nothing was written: the database file and its write-ahead log are as they were.
    expect(fs.statSync(store.file).mtimeMs).toBe(mtime);
    expect(fs.statSync(`${store.file}-wal`).size).toBe(wal);
  });

  it.skipIf(!HAS_SHARED)('the real bulletins: right titles and dates, and unchanged the second time', async () => {
    const { store, pipeline } = setup();
    const first = await ingestAll(pipeline, [BULLETINS]);
    expect(first.map((r) => [r.status, r.title, r.published_at])).toEqual([
      ['added', '10 March 2015 weekly update', '2015-03-10'],
      ['added', '26 April 2016 weekly update', '2016-04-26'],
    ]);
    const second = await ingestAll(pipeline, [BULLETINS]);
    expect(second.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    expect(offsetsCheckOut(dataOf(store))).toBe(true);
    const text = store.documents.text(first[1]!.document_id!)!;
    expect(text).toContain('We have had a productive time since introducing the new model');
    expect(text).not.toContain('Skip to content');
  });
});

describe('replacement and deletion', () => {
  it('a changed file replaces its passages in place: same id, old text gone from the index', async () => {
    const { store, pipeline } = setup();
    const dir = tempDir();
    const file = writeFile(dir, 'note.txt', `Note\n\n${paragraph('Zebrafish')}`);
    const [first] = await pipeline.ingestFile(file);
    expect(first).toMatchObject({ status: 'added' });
    expect(ftsHits(store, 'zebrafish')).toBe(1);
    const oldIds = store.documents.passagesOf(first!.document_id!).map((p) => p.id);

    writeFile(dir, 'note.txt', `Note\n\n${paragraph('Kingfisher')}`);
    const [second] = await pipeline.ingestFile(file);
    expect(second).toMatchObject({ status: 'updated', document_id: first!.document_id });
    expect(ftsHits(store, 'zebrafish')).toBe(0);
    expect(ftsHits(store, 'kingfisher')).toBe(1);
    const newIds = store.documents.passagesOf(first!.document_id!).map((p) => p.id);
    expect(newIds.some((id) => oldIds.includes(id))).toBe(false);
    expect(count(store, 'documents')).toBe(1);
    expect(store.check()).toEqual([]);
  });

  it('an e-mail whose new version drops an attachment loses the attached document too', async () => {
    const { store, pipeline } = setup();
    const dir = tempDir();
    const pdf = await makePdf({ title: 'Attached strategy', sections: [{ paragraphs: [paragraph('Otters')] }] });
    const mail = (attachments: { fileName: string; mime: string; bytes: Uint8Array }[]) =>
      makeEml({
        from: 'd@x.org',
        subject: 'Weekly update',
        date: 'Tue, 05 Mar 2024 08:30:00 +0000',
        messageId: 'm1@x.org',
        text: paragraph('Badgers'),
        attachments,
      });
    const file = writeFile(dir, 'm.eml', mail([{ fileName: 'strategy.pdf', mime: 'application/pdf', bytes: pdf }]));
    const first = await pipeline.ingestFile(file);
    expect(first.map((r) => r.status)).toEqual(['added', 'added']);
    expect(first[0]!.source_id).toBe('mid:m1@x.org');
    expect(first[1]!.source_id).toBe('mid:m1@x.org#attachment/strategy.pdf');
    expect(first[1]!.published_at).toBe('2024-01-01');

    writeFile(dir, 'm.eml', mail([]));
    const second = await pipeline.ingestFile(file);
    expect(second.map((r) => r.status)).toEqual(['updated']);
    expect(count(store, 'documents')).toBe(1);
    expect(ftsHits(store, 'otters')).toBe(0);
    expect(store.check()).toEqual([]);
  });

  it('deleting a bulletin removes it, its attachment and everything derived, including stored originals', async () => {
    const { store, pipeline } = setup();
    const results = await ingestAll(pipeline, [
      path.join(SAMPLES, '2024-03-05-weekly-update.eml'),
      path.join(SAMPLES, '2024-01-09-weekly-update.txt'),
    ]);
    const bulletin = results.find((r) => r.source_id.startsWith('mid:') && !r.source_id.includes('#'))!;
    const attachment = results.find((r) => r.source_id.includes('#attachment/'))!;
    const files = store.originals;
    const attached = store.documents.get(attachment.document_id!)!;
    expect(fs.existsSync(files.pathOf(attached.sha256, attached.file_name))).toBe(true);
    const writer = new Database(store.file);
    writer
      .prepare(
        "INSERT INTO embeddings (passage_id, model, dim, vector) SELECT id, 'test', 1, x'00000000' FROM passages",
      )
      .run();
    writer.close();

    const deleted = pipeline.delete(bulletin.document_id!);
    expect(deleted.map((d) => d.id).sort()).toEqual([bulletin.document_id, attachment.document_id].sort());
    expect(count(store, 'documents')).toBe(1);
    for (const table of ['passages', 'document_text', 'embeddings']) {
      const [orphans] = query<{ n: number }>(
        dataOf(store),
        `SELECT count(*) AS n FROM ${table} t WHERE ` +
          (table === 'embeddings'
            ? 'passage_id NOT IN (SELECT id FROM passages)'
            : 'doc_id NOT IN (SELECT id FROM documents)'),
      );
      expect(orphans!.n).toBe(0);
    }
    expect(count(store, 'embeddings')).toBe(count(store, 'passages'));
    expect(ftsHits(store, 'forum')).toBe(0);
    expect(fs.existsSync(files.pathOf(attached.sha256, attached.file_name))).toBe(false);
    expect(store.check()).toEqual([]);
    expect(() => pipeline.delete(bulletin.document_id!)).toThrow(/No document with id/);
  });
});

describe('bad input fails alone', () => {
  it(
    'each bad file fails with a clear message naming it; the good files in the batch are stored; stored documents ' +
      'are untouched',
    async () => {
      const { store, pipeline } = setup({ maxFileBytes: 20_000, parseTimeoutMs: 20_000 });
      const [kept] = await pipeline.ingestFile(path.join(SAMPLES, '2024-04-16-weekly-update.txt'));
      const before = query(dataOf(store), 'SELECT * FROM passages ORDER BY id');

      const dir = tempDir();
      const pdf = await makePdf({ title: 'T', sections: [{ paragraphs: [paragraph('Kestrels')] }] });
      const bad: Record<string, string | Uint8Array> = {
        'empty.txt': '',
        'binary.txt': new Uint8Array([1, 2, 3, 0, 4, 5, 0, 0, 9]),
        'huge.txt': 'x '.repeat(15_000),
        'truncated.pdf': pdf.subarray(0, 400),
        'garbage.pdf': Buffer.concat([Buffer.from('%PDF-1.5\n'), Buffer.alloc(2000, 0x41)]),
        'scan.pdf': await makePdf({ title: 'Scan', sections: [], imageOnly: true }),
        'notreally.docx': 'plain text pretending to be Word',
        'blank.html': '<html><body><nav>Menu</nav></body></html>',
        'broken.eml': 'this is not an e-mail at all',
      };
      for (const [name, content] of Object.entries(bad)) writeFile(dir, name, content);
      writeFile(dir, 'good.txt', `Good news\n\n${paragraph('Nightingales')}`);
      const results = await ingestAll(pipeline, [dir, path.join(dir, 'missing.txt')]);
      const byName = Object.fromEntries(results.map((r) => [path.basename(r.source_id), r]));
      const codes = Object.fromEntries(Object.entries(byName).map(([n, r]) => [n, r.error?.code ?? r.status]));
      expect(codes).toEqual({
        'missing.txt': 'FILE_NOT_FOUND',
        'blank.html': 'NO_TEXT',
        'binary.txt': 'BINARY_CONTENT',
        'broken.eml': 'MALFORMED',
        'empty.txt': 'FILE_EMPTY',
        'garbage.pdf': 'MALFORMED',
        'good.txt': 'added',
        'huge.txt': 'FILE_TOO_LARGE',
        'notreally.docx': 'MALFORMED',
        'scan.pdf': 'NO_TEXT_FOUND',
        'truncated.pdf': 'MALFORMED',
      });
      for (const r of results.filter((x) => x.status === 'failed')) {
        expect(r.error!.message).toContain(path.basename(r.source_id));
        expect(r.error!.hint.length).toBeGreaterThan(10);
      }
      expect(byName['scan.pdf']!.error!.message).toContain('no text layer, and recognition (OCR) found no text');
      expect(count(store, 'documents')).toBe(2);
      expect(query(dataOf(store), 'SELECT * FROM passages WHERE doc_id = ? ORDER BY id', kept!.document_id)).toEqual(
        before,
      );
      expect(store.check()).toEqual([]);
    },
  );

  it('a PDF over the page limit, or slower than the parse time limit, is refused', async () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      'long.pdf',
      await makePdf({ title: 'Long', sections: [{ paragraphs: [paragraph('Herons')] }], blankPages: 5 }),
    );
    {
      const { pipeline } = setup({ maxPdfPages: 3 });
      expect((await pipeline.ingestFile(file))[0]!.error).toMatchObject({
        code: 'TOO_MANY_PAGES',
        message: expect.stringContaining('6 pages is over the limit of 3'),
      });
    }
    {
      const { pipeline, store } = setup({ parseTimeoutMs: 100 });
      const [r] = await pipeline.ingestFile(file);
      expect(r!.error?.code).toBe('PARSE_TIMEOUT');
      expect(count(store, 'documents')).toBe(0);
    }
  });
});
