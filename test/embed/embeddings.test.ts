import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Embeddings, passageForEmbedding } from '../../src/embed/embeddings.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';
import { Pipeline } from '../../ingest/pipeline.js';
import { makeTinyModel } from '../fixtures/make-model.js';
import { generator } from '../bench/synthetic.js';
import { query, SAMPLES, testConfig } from '../helpers.js';

/** The embeddings keeper on its own: a store, a pipeline to fill it, and the keeper. */
const opened: { store: Store; embeddings?: Embeddings }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.embeddings?.close();
    o.store.close();
  }
});

async function storeWith(files: string[], overrides = {}) {
  const config = testConfig({ offline: true, ...overrides });
  const store = Store.open(config.dataDir);
  const entry: { store: Store; embeddings?: Embeddings } = { store };
  opened.push(entry);
  const pipeline = new Pipeline({ store, config, log: silentLogger });
  for await (const _ of pipeline.ingestPaths(files)) void _;
  return { config, store, pipeline, entry };
}

describe('embeddings: a vector for every passage from the active embedder', () => {
  it('the built-in embedder is fitted on the first passages, embeds them all, and is put on record', async () => {
    const { config, store, entry } = await storeWith([SAMPLES]);
    const embeddings = (entry.embeddings = await Embeddings.open(config, store, silentLogger));
    expect(embeddings.active()).toBeNull(); // nothing fitted yet
    const report = await embeddings.sync();
    expect(report).toMatchObject({ refitted: true, switched: true });
    const passages = store.passages.count();
    expect(report.embedded).toBe(passages);
    const recorded = store.meta.embedder()!;
    expect(recorded).toMatchObject({
      id: expect.stringMatching(/^builtin-lsa-\d+d@[0-9a-f]{12}$/),
      kind: 'builtin',
      builtin: true,
    });
    expect(store.embeddings.count(recorded.id)).toBe(passages);
    expect(embeddings.problems()).toEqual([]);
    // A second sync finds nothing to do.
    expect(await embeddings.sync()).toEqual({ embedded: 0, refitted: false, switched: false });
  });

  it('refits while the collection is small and has doubled, recomputing every vector', async () => {
    const { config, store, pipeline, entry } = await storeWith([path.join(SAMPLES, '2024-01-09-weekly-update.txt')]);
    const embeddings = (entry.embeddings = await Embeddings.open(config, store, silentLogger));
    await embeddings.sync();
    const first = store.meta.embedder()!.id;
    for await (const _ of pipeline.ingestPaths([SAMPLES])) void _;
    const report = await embeddings.sync();
    expect(report.refitted).toBe(true);
    const second = store.meta.embedder()!.id;
    expect(second).not.toBe(first);
    expect(store.embeddings.othersCount(second)).toBe(0);
    expect(store.embeddings.count(second)).toBe(store.passages.count());
  });

  it('reports passages without a vector and vectors of another embedder', async () => {
    const { config, store, entry } = await storeWith([SAMPLES]);
    entry.embeddings = await Embeddings.open(config, store, silentLogger);
    await entry.embeddings.sync();
    const db = new Database(store.file);
    db.prepare('DELETE FROM embeddings WHERE passage_id = (SELECT min(id) FROM passages)').run();
    db.prepare(
      `INSERT INTO embeddings (passage_id, model, dim, vector)
       VALUES ((SELECT max(id) FROM passages), 'other', 1, x'00000000')`,
    ).run();
    db.close();
    expect(entry.embeddings.problems()).toEqual([
      `vectors: 1 passages have no vector from ${store.meta.embedder()!.id}`,
      'vectors: 1 vectors from another embedder',
    ]);
    // The next sync fills the gap (a crash between a write and its embedding leaves one).
    expect((await entry.embeddings.sync()).embedded).toBe(1);
  });

  it('a different embedder is refused until reindex, which switches every vector in one go', async () => {
    const { config, store, entry } = await storeWith([SAMPLES]);
    const model = makeTinyModel(path.join(config.dataDir, 'tiny-bert'), { dim: 16 });
    entry.embeddings = await Embeddings.open({ ...config, model: model.dir }, store, silentLogger);
    await entry.embeddings.sync();
    expect(store.meta.embedder()).toMatchObject({ id: expect.stringMatching(/^transformers:tiny-bert@/), dim: 16 });
    await expect(Embeddings.open({ ...config, embedder: 'builtin' }, store, silentLogger)).rejects.toMatchObject({
      code: 'EMBEDDER_MISMATCH',
    });
    await entry.embeddings.close();
    entry.embeddings = await Embeddings.open({ ...config, embedder: 'builtin' }, store, silentLogger, {
      allowSwitch: true,
    });
    const report = await entry.embeddings.reindex();
    expect(report).toMatchObject({ switched: true, refitted: true, embedded: store.passages.count() });
    expect(store.meta.embedder()).toMatchObject({ builtin: true });
    expect(query(config.dataDir, "SELECT count(*) AS n FROM embeddings WHERE model LIKE 'transformers:%'")[0]!.n).toBe(
      0,
    );
  });

  it("a model's reindex that is interrupted resumes where it stopped", async () => {
    const { config, store, entry, pipeline } = await storeWith([]);
    const gen = generator(3, 800);
    store.transaction(() => {
      for (let d = 0; d < 120; d++)
        pipeline.ingestText({
          sourceId: `generated:${d}`,
          title: gen.title(),
          text: Array.from({ length: 10 }, () => gen.passage(90, d % gen.topics)).join('\n\n'),
        });
    });
    const builtin = (entry.embeddings = await Embeddings.open(config, store, silentLogger));
    await builtin.sync();
    const total = store.passages.count();
    expect(total).toBeGreaterThan(512);
    const model = makeTinyModel(path.join(config.dataDir, 'tiny-bert'), { dim: 16 });
    await builtin.close();
    const embeddings = (entry.embeddings = await Embeddings.open({ ...config, model: model.dir }, store, silentLogger, {
      allowSwitch: true,
    }));
    // Stopped after the first batch (as a killed process would be), then run again.
    await expect(
      embeddings.reindex((done) => {
        if (done < total) throw new Error('stopped');
      }),
    ).rejects.toThrow('stopped');
    expect(store.meta.embedder()).toMatchObject({ builtin: true }); // not switched yet
    const report = await embeddings.reindex();
    expect(report.embedded).toBe(total - 256);
    expect(store.meta.embedder()).toMatchObject({ id: expect.stringMatching(/^transformers:tiny-bert@/) });
    expect(store.embeddings.count(store.meta.embedder()!.id)).toBe(total);
    // Once finished, a reindex asked for again starts from zero.
    expect((await embeddings.reindex()).embedded).toBe(total);
  });

  it('a passage is embedded with its document title and the heading over it', () => {
    expect(passageForEmbedding('5 March 2024 weekly update', 'Apprenticeships', 'Starts rose by a tenth.')).toBe(
      '5 March 2024 weekly update. Apprenticeships.\nStarts rose by a tenth.',
    );
    expect(passageForEmbedding('T', 'Apprenticeships', 'Apprenticeships\n\nStarts rose.')).toBe(
      'T.\nApprenticeships\n\nStarts rose.',
    );
    expect(passageForEmbedding('T', null, 'x')).toBe('T.\nx');
  });
});
