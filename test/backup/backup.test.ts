import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Running } from '../../src/server/serve.js';
import { contents, runKb } from '../reliability/crash.js';
import { kb as kbSync, multipart, SAMPLES, serveSamples, tempDir } from '../helpers.js';

const TOKEN = 'backup-test-token-0123456789';
const QUERIES = [
  'apprenticeships',
  'attendance',
  'what did we say about school places',
  'helpdesk',
  'SEND inclusion strategy',
  'teacher recruitment',
];

describe('backup and restore', () => {
  let config: Config;
  let running: Running;
  const file = path.join(tempDir('kb-backups-'), 'council.kbb');

  beforeAll(async () => {
    ({ config, running } = await serveSamples({ apiToken: TOKEN, rateLimitReads: 1_000_000 }));
  });
  afterAll(async () => {
    await running?.close();
  });

  it(
    'round trip while a search load runs: the backup is consistent, the restore identical, and the load sees no ' +
      'error',
    async () => {
      let next = 0;
      const load = autocannon({
        url: running.url,
        connections: 8,
        duration: 6,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({
              ...req,
              path: `/api/search?q=${encodeURIComponent(QUERIES[next++ % QUERIES.length]!)}`,
            }),
          },
        ],
      });
      await new Promise((r) => setTimeout(r, 1_000));
      // A write lands while the backup runs: the backup holds the collection before it or after it, whole either way.
      const form = multipart([
        {
          name: 'late-news.txt',
          content:
            'Late news\n\nThe swimming pool at Kingsmead reopens for school lessons in May, after the roof repairs ' +
            'finished early.',
        },
      ]);
      const [backedUp, uploaded] = await Promise.all([
        runKb(['--data', config.dataDir, 'backup', file]),
        fetch(`${running.url}api/documents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, ...form.headers },
          body: form.payload,
        }),
      ]);
      const result = await load;
      process.stderr.write(
        `backup under load: ${result.requests.total} searches, p99 ${result.latency.p99} ms, ` +
          `${result.errors} errors, ${result.non2xx} non-2xx\n`,
      );
      expect(result.errors).toBe(0);
      expect(result.non2xx).toBe(0);
      expect(result.requests.total).toBeGreaterThan(50);
      expect(uploaded.status).toBe(200);
      expect(backedUp.code).toBe(0);
      expect(backedUp.lines[0]).toMatchObject({ documents: expect.any(Number), originals: expect.any(Number) });
      const report = backedUp.lines[0]!;
      expect(report.originals).toBe(report.documents);

      const restored = tempDir('kb-restored-');
      const r = await runKb(['--data', restored, 'restore', file]);
      expect(r.code).toBe(0);
      expect(r.lines[0]).toMatchObject({
        ok: true,
        problems: [],
        documents: report.documents,
        passages: report.passages,
      });
      const original = contents(config.dataDir);
      const copy = contents(restored);
      // Every document is as it was; the one uploaded during the backup may or may not be in it.
      for (const [source, doc] of copy) expect(original.get(source)).toEqual(doc);
      const absent = [...original.keys()].filter((s) => !copy.has(s));
      expect(absent.length).toBeLessThanOrEqual(1);
      if (absent.length) expect(original.get(absent[0]!)!.title).toBe('Late news');
      // Same passage ids, so links and citations made before still point at the same words.
      const ids = (dir: string) =>
        new Database(path.join(dir, 'kb.sqlite'), { readonly: true })
          .prepare('SELECT id, text FROM passages ORDER BY id')
          .all();
      const restoredIds = ids(restored) as { id: number }[];
      expect(ids(config.dataDir)).toEqual(expect.arrayContaining(restoredIds));
      // Originals come back byte for byte.
      for (const f of fs.readdirSync(path.join(restored, 'files'))) {
        expect(
          fs
            .readFileSync(path.join(restored, 'files', f))
            .equals(fs.readFileSync(path.join(config.dataDir, 'files', f))),
        ).toBe(true);
      }
      expect(kbSync(['--data', restored, 'verify']).code).toBe(0);
      const search = kbSync(['--data', restored, '--json', 'search', 'apprenticeships', '-k', '3']).json()[0]!;
      expect(search.results.length).toBe(3);
    },
    120_000,
  );

  it(
    'refuses, changing nothing: a restore under a running server, into a folder with documents, from a damaged ' +
      'file; a backup over an existing file',
    async () => {
      const before = contents(config.dataDir);
      const inUse = kbSync(['--data', config.dataDir, 'restore', file, '--force']);
      expect(inUse.code).toBe(3);
      expect(inUse.stderr).toContain(`kb serve (process ${process.pid}) is using the data folder`);
      expect(contents(config.dataDir)).toEqual(before);

      const other = tempDir('kb-other-');
      expect(kbSync(['--data', other, 'ingest', path.join(SAMPLES, '2024-01-09-weekly-update.txt')]).code).toBe(0);
      const occupied = kbSync(['--data', other, 'restore', file]);
      expect(occupied.code).toBe(3);
      expect(occupied.stderr).toMatch(/already holds 1 documents[\s\S]*--force/);

      const damaged = path.join(path.dirname(file), 'damaged.kbb');
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const bad = kbSync(['--data', tempDir(), 'restore', damaged]);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toMatch(/is not a usable backup: .*\n.*nothing in the data folder was changed/);
      const notBackup = kbSync(['--data', tempDir(), 'restore', path.join(SAMPLES, '2024-01-09-weekly-update.txt')]);
      expect(notBackup.stderr).toContain('is not a usable backup');

      const exists = kbSync(['--data', config.dataDir, 'backup', file]);
      expect(exists.code).toBe(3);
      expect(exists.stderr).toContain('already exists');
    },
  );

  it(
    'refuses while any other program has the database open (a kb command, not only kb serve), then restores once ' +
      'it has closed',
    () => {
      const other = tempDir('kb-other-');
      expect(kbSync(['--data', other, 'ingest', path.join(SAMPLES, '2024-01-09-weekly-update.txt')]).code).toBe(0);
      const before = contents(other);
      // Another process's connection, as a running `kb ingest` or `kb verify` holds one.
      const holder = new Database(path.join(other, 'kb.sqlite'));
      holder.pragma('journal_mode = WAL');
      expect(holder.prepare('SELECT count(*) AS n FROM documents').get()).toEqual({ n: 1 });
      const refused = kbSync(['--data', other, 'restore', file, '--force']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/Another program has the database .*kb\.sqlite open\n.*nothing was changed/);
      expect(fs.readdirSync(other).filter((f) => f.includes('before-restore'))).toEqual([]);
      holder.close();
      expect(contents(other)).toEqual(before);
      const r = kbSync(['--data', other, '--json', 'restore', file, '--force']);
      expect(r.code).toBe(0);
      expect(r.json()[0]!.documents).toBeGreaterThan(1);
    },
  );

  it('restore --force replaces a collection and keeps the database it replaced, whole', () => {
    const other = tempDir('kb-other-');
    expect(kbSync(['--data', other, 'ingest', path.join(SAMPLES, '2024-01-09-weekly-update.txt')]).code).toBe(0);
    const r = kbSync(['--data', other, '--json', 'restore', file, '--force']);
    expect(r.code).toBe(0);
    const { kept, documents } = r.json()[0]!;
    expect(documents).toBeGreaterThan(1);
    expect(kept).toMatch(/kb\.sqlite\.before-restore-/);
    const old = new Database(kept, { readonly: true });
    expect((old.prepare('SELECT title FROM documents').all() as { title: string }[]).map((d) => d.title)).toEqual([
      '9 January 2024 weekly update',
    ]);
    old.close();
    expect(kbSync(['--data', other, 'verify']).code).toBe(0);
  });
});
