import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Embeddings } from '../../src/embed/embeddings.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';
import { checkIndexFile } from '../../src/vector/index-check.js';
import { IndexKeeper } from '../../src/vector/index-keeper.js';
import { readManifest } from '../../src/vector/manifest.js';
import { Pipeline } from '../../ingest/pipeline.js';
import { query, SAMPLES, testConfig, writeFile, tempDir } from '../helpers.js';

/**
 * The index keeper on its own: the HNSW index is derived from the stored
 * vectors, checked against the database when opened, brought up to date from
 * the change log after writes, rebuilt when it cannot be trusted, and saved
 * only by a process that may write.
 */
let store: Store;
let embeddings: Embeddings;
let dataDir: string;
let logged: string[];
const log = () => createLogger('info', (line) => logged.push(line));
const keeper = (writable = true) =>
  new IndexKeeper(dataDir, store, log(), { writable, efSearch: 64, m: 16, efConstruction: 64 });

beforeEach(async () => {
  const config = testConfig({ offline: true });
  dataDir = config.dataDir;
  logged = [];
  store = Store.open(dataDir);
  const pipeline = new Pipeline({ store, config, log: silentLogger });
  for await (const _ of pipeline.ingestPaths([SAMPLES])) void _;
  embeddings = await Embeddings.open(config, store, silentLogger);
  await embeddings.sync();
});
afterEach(async () => {
  await embeddings.close();
  store.close();
});

describe('the vector index keeper', () => {
  it('builds a missing index from the stored vectors and saves it, manifest last', () => {
    const k = keeper();
    k.open();
    const passages = store.passages.count();
    expect(k.state()).toMatchObject({ opened: 'rebuilt', count: passages, reason: 'the index file is missing' });
    expect(readManifest(dataDir)).toMatchObject({
      embedder: store.meta.embedder()!.id,
      count: passages,
      generation: store.meta.vectorsGeneration(),
      bytes: fs.statSync(k.file).size,
    });
    expect(checkIndexFile(store)).toEqual([]);
    // Opened again, it is loaded as saved.
    const again = keeper();
    again.open();
    expect(again.state()).toMatchObject({ opened: 'loaded', count: passages });
  });

  it('a reader builds it in memory and writes nothing', () => {
    const k = keeper(false);
    k.open();
    expect(k.state().opened).toBe('rebuilt');
    expect(k.current()!.size()).toBe(store.passages.count());
    expect(fs.existsSync(k.file)).toBe(false);
    expect(logged.join('\n')).toContain('(kept in memory)');
  });

  it('catches up from the vector change log after a write, without reading every vector', async () => {
    const k = keeper();
    k.open();
    const before = k.current()!.size();
    const doc = store.listing.list({ limit: 1 }).documents[0]!;
    const gone = store.documents.passagesOf(doc.id).map((p) => p.id);
    store.transaction(() => store.documents.delete(doc.id));
    expect(k.behind()).toBe(true);
    expect(k.catchUp()).toBe(true);
    expect(k.current()!.size()).toBe(before - gone.length);
    for (const id of gone) expect(k.current()!.has(id)).toBe(false);
    expect(k.behind()).toBe(false);
    // Saved, the log it reflects is forgotten.
    k.saveIfDirty();
    expect(
      query(dataDir, 'SELECT count(*) AS n FROM vector_log WHERE gen <= ?', readManifest(dataDir)!.generation)[0]!.n,
    ).toBe(0);
    expect(checkIndexFile(store)).toEqual([]);
  });

  it('catches up a step at a time when asked to, so a reader can answer between steps', async () => {
    const k = keeper();
    k.open();
    const dir = tempDir();
    for (let i = 0; i < 6; i++)
      writeFile(
        dir,
        `note-${i}.txt`,
        `Note ${i} 9 July 2024\n\nA short note number ${i} about transport to school for pupils with special needs, ` +
          `and the forms to fill in.`,
      );
    const pipeline = new Pipeline({ store, config: testConfig(), log: silentLogger });
    for await (const _ of pipeline.ingestPaths([dir])) void _;
    await embeddings.sync();
    let steps = 0;
    while (!k.catchUp(2)) steps++;
    expect(steps).toBeGreaterThanOrEqual(2);
    expect(k.current()!.size()).toBe(store.passages.count());
  });

  it(
    'an index file behind the database is brought up to date on open; one the log no longer reaches is compared in ' +
      'full',
    async () => {
      keeper().open();
      const doc = store.listing.list({ limit: 1 }).documents[0]!;
      store.transaction(() => store.documents.delete(doc.id));
      const k = keeper();
      k.open();
      expect(k.state()).toMatchObject({ opened: 'updated', count: store.passages.count() });
      expect(checkIndexFile(store)).toEqual([]);
      // The log pruned past what a stale file reflects: the keeper compares ids instead.
      const stale = keeper(false);
      stale.open();
      const other = store.listing.list({ limit: 1 }).documents[0]!;
      store.transaction(() => store.documents.delete(other.id));
      const db = new Database(store.file);
      db.prepare('DELETE FROM vector_log').run();
      db.close();
      expect(stale.catchUp()).toBe(true);
      expect(stale.current()!.size()).toBe(store.passages.count());
    },
  );

  it('a damaged, truncated or foreign index file is rebuilt and the log says why', () => {
    const k = keeper();
    k.open();
    fs.writeFileSync(k.file, 'not an index');
    const a = keeper();
    a.open();
    expect(a.state().opened).toBe('rebuilt');
    expect(a.state().reason).toMatch(/^the index file is \d+ bytes, the manifest says \d+$/);
    fs.truncateSync(a.file, 100);
    const manifest = readManifest(dataDir)!;
    fs.writeFileSync(`${dataDir}/vectors.json`, JSON.stringify({ ...manifest, bytes: 100 }));
    const b = keeper();
    b.open();
    expect(b.state().opened).toBe('rebuilt');
    expect(b.state().reason).toMatch(/unreadable/);
    fs.writeFileSync(
      `${dataDir}/vectors.json`,
      JSON.stringify({ ...readManifest(dataDir)!, embedder: 'someone-else' }),
    );
    const c = keeper();
    c.open();
    expect(c.state().reason).toBe(`the index was built by someone-else, not ${store.meta.embedder()!.id}`);
    expect(logged.filter((l) => l.includes('vector index rebuilt')).length).toBe(4);
    expect(checkIndexFile(store)).toEqual([]);
  });

  it('verify reports a file the database has moved past, and a reader never fixes it', () => {
    keeper().open();
    const doc = store.listing.list({ limit: 1 }).documents[0]!;
    store.transaction(() => store.documents.delete(doc.id));
    const reader = keeper(false);
    reader.open();
    expect(reader.state().opened).toBe('updated');
    expect(checkIndexFile(store)).toEqual([
      expect.stringMatching(/^index: the manifest reflects generation \d+, the database is at \d+$/),
      expect.stringMatching(/labels point at passages that have no vector/),
    ]);
  });
});
