import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import {
  CALIBRATION_SAMPLE,
  FLOOR_QUANTILE,
  MIN_PAIRS,
  isCurrent,
  measure,
  probeOf,
  quantile,
  random,
} from '../../src/search/meaning-floor.js';
import { makeTinyModel } from '../fixtures/make-model.js';
import { SAMPLES, openKb, tempDir } from '../helpers.js';

describe('meaning floor: the parts', () => {
  it('quantile interpolates between ranks', () => {
    expect(quantile([3, 1, 2, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.995)).toBeCloseTo(9.95, 10);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('a probe is one to four consecutive content words of the passage', () => {
    const next = random(7);
    const text = 'The council will publish its new Skills and Apprenticeships Strategy in the spring of 2024.';
    for (let i = 0; i < 50; i++) {
      const probe = probeOf(text, next)!;
      const words = probe.split(' ');
      expect(words.length).toBeGreaterThanOrEqual(1);
      expect(words.length).toBeLessThanOrEqual(4);
      expect(text.toLowerCase()).toContain(words[0]!);
      for (const w of words) expect(['the', 'and', 'in', 'of', '2024']).not.toContain(w);
    }
    expect(probeOf('the and of 2024', next)).toBeNull();
  });

  it('the random sequence is the same for the same seed', () => {
    const a = random(42);
    const b = random(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('a calibration holds for its embedder while the collection stays within a tenth of its size', () => {
    const c = { embedder: 'builtin-x', passages: 1000, floor: 0.2, probes: 200, pairs: 30_000 };
    expect(isCurrent(c, 'builtin-x', 1099)).toBe(true);
    expect(isCurrent(c, 'builtin-x', 1101)).toBe(false);
    expect(isCurrent(c, 'transformers:bge', 1000)).toBe(false);
    expect(isCurrent(null, 'builtin-x', 1000)).toBe(false);
  });
});

/** The floor measured, stored and used, for the built-in embedder and for a transformers.js model. */
describe.each([
  ['the built-in embedder', { model: false }],
  ['a transformers.js model', { model: true }],
])('meaning floor with %s', (_name, how: { model: boolean }) => {
  let kb: KnowledgeBase;

  beforeAll(async () => {
    const overrides = how.model ? { model: makeTinyModel(path.join(tempDir(), 'tiny-bert'), { dim: 16 }).dir } : {};
    kb = await openKb(overrides, [SAMPLES]);
  }, 120_000);
  afterAll(() => kb.close());

  it('is measured after a write, stored for the embedder on record, and the same when measured again', async () => {
    const stored = kb.store.meta.meaningCalibration()!;
    const embedder = kb.store.meta.embedder()!;
    expect(embedder.builtin).toBe(!how.model);
    expect(stored.embedder).toBe(embedder.id);
    expect(stored.passages).toBe(kb.store.passages.count());
    expect(stored.pairs).toBeGreaterThanOrEqual(MIN_PAIRS);
    expect(stored.probes).toBeGreaterThan(Math.min(CALIBRATION_SAMPLE, stored.passages) / 2);
    expect(stored.floor).toBeGreaterThan(-1);
    expect(stored.floor).toBeLessThan(1);
    const again = await measure(kb.store, kb.embeddings.queryEmbedder()!);
    expect(again).toEqual(stored);
    expect(FLOOR_QUANTILE).toBeGreaterThan(0.9);
  });

  it('a search shows a passage without the query words only at or above the floor', async () => {
    for (const q of ['apprenticeships', 'attendance in winter', 'what did we say about special needs']) {
      const res = await kb.search({ q, k: 20, mode: 'semantic', per_doc: 20, repeats: 'all', as_typed: false });
      expect(res.meaning_floor).toBeCloseTo(kb.store.meta.meaningCalibration()!.floor, 4);
      const near = new Map((await kb.searcher.semantic.rank(q, 500)).map((r) => [r.id, r.score]));
      for (const h of res.results)
        if (h.match === 'meaning') expect(near.get(h.passage_id)).toBeGreaterThanOrEqual(res.meaning_floor!);
      expect(res.results.length + res.below_floor).toBeGreaterThan(0);
    }
  });

  it('is measured again when the collection has grown by more than a tenth', async () => {
    const before = kb.store.meta.meaningCalibration()!;
    const extra = Array.from({ length: Math.ceil(before.passages * 0.2) }, (_, i) => ({
      sourceId: `text:extra-${i}`,
      title: `Note ${i}`,
      text: `Pupils in school ${i} wrote to the council about attendance, apprenticeships and special needs plans.`,
    }));
    kb.ingestText(extra);
    await kb.refresh();
    const after = kb.store.meta.meaningCalibration()!;
    expect(after.passages).toBe(kb.store.passages.count());
    expect(after.passages).toBeGreaterThan(before.passages);
  });
});
