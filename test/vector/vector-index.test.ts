import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { l2normalise } from '../../src/vector/codec.js';
import { rng } from '../../src/embed/lsa/svd.js';
import { ExactIndex } from '../../src/vector/exact-index.js';
import { efForSize, HnswIndex } from '../../src/vector/hnsw-index.js';
import type { VectorIndex } from '../../src/vector/vector-index.js';
import { tempDir } from '../helpers.js';

function randomVectors(n: number, dim: number, seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => l2normalise(Float32Array.from({ length: dim }, () => r() * 2 - 1)));
}

const implementations: [string, (dim: number) => VectorIndex][] = [
  ['exact', (dim) => new ExactIndex(dim)],
  ['hnsw', (dim) => HnswIndex.create(dim, 4)],
];

describe.each(implementations)('vector index contract: %s', (_name, make) => {
  const unit = (...xs: number[]) => l2normalise(Float32Array.from(xs));

  it('finds the nearest vectors by cosine, best first, with scores', () => {
    const index = make(3);
    index.add([
      { id: 1, vector: unit(1, 0, 0) },
      { id: 2, vector: unit(0, 1, 0) },
      { id: 3, vector: unit(1, 1, 0) },
    ]);
    const hits = index.search(unit(1, 0.1, 0), 3);
    expect(hits.map((h) => h.id)).toEqual([1, 3, 2]);
    expect(hits[0]!.score).toBeGreaterThan(0.99);
    expect(index.size()).toBe(3);
  });

  it('forgets removed vectors and grows past its first capacity', () => {
    const index = make(3);
    const vectors = randomVectors(50, 3, 1);
    index.add(vectors.map((vector, i) => ({ id: i + 1, vector })));
    index.remove([1, 2, 3]);
    expect(index.size()).toBe(47);
    expect(index.has(2)).toBe(false);
    const ids = index.search(vectors[0]!, 50).map((h) => h.id);
    expect(ids).not.toContain(1);
    expect(ids).toHaveLength(47);
    expect(new Set(index.labels())).toEqual(new Set(Array.from({ length: 47 }, (_, i) => i + 4)));
  });

  it('holds many identical vectors: each is found, with the same score, and each can go on its own', () => {
    const index = make(8);
    const same = randomVectors(1, 8, 9)[0]!;
    const others = randomVectors(200, 8, 10);
    index.add(others.map((vector, i) => ({ id: 5000 + i, vector })));
    index.add(Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, vector: Float32Array.from(same) })));
    expect(index.size()).toBe(2200);
    const hits = index.search(same, 50);
    expect(hits).toHaveLength(50);
    expect(hits.every((h) => h.id <= 2000 && h.score > 0.999)).toBe(true);
    // Only some of the copies are acceptable: those come.
    const even = index.search(same, 10, (id) => id <= 2000 && id % 2 === 0);
    expect(even.map((h) => h.id % 2)).toEqual(Array(10).fill(0));
    // The first copies go (whichever holds the vector in a graph), the rest stay findable.
    index.remove(Array.from({ length: 1990 }, (_, i) => i + 1));
    expect(index.size()).toBe(210);
    expect(new Set(index.search(same, 10).map((h) => h.id))).toEqual(
      new Set(Array.from({ length: 10 }, (_, i) => 1991 + i)),
    );
    expect(index.search(others[3]!, 1)[0]!.id).toBe(5003);
  });

  it('replaces the vector of an id that is added again', () => {
    const index = make(3);
    index.add([
      { id: 7, vector: unit(1, 0, 0) },
      { id: 8, vector: unit(0, 0, 1) },
    ]);
    index.add([{ id: 7, vector: unit(0, 1, 0) }]);
    expect(index.size()).toBe(2);
    expect(index.search(unit(0, 1, 0), 1)[0]!.id).toBe(7);
  });

  it('honours an accept filter and returns nothing from an empty index', () => {
    const index = make(3);
    expect(index.search(unit(1, 0, 0), 5)).toEqual([]);
    index.add(randomVectors(20, 3, 2).map((vector, i) => ({ id: i + 1, vector })));
    const hits = index.search(unit(1, 0, 0), 5, (id) => id % 2 === 0);
    expect(hits).toHaveLength(5);
    expect(hits.every((h) => h.id % 2 === 0)).toBe(true);
  });
});

describe('HNSW against exact search', () => {
  it('recall@10 is at least 0.98 on 3,000 random 48-dimensional vectors', () => {
    const dim = 48;
    const data = randomVectors(3000, dim, 11);
    const queries = randomVectors(200, dim, 12);
    const exact = new ExactIndex(dim);
    const hnsw = HnswIndex.create(dim, 100);
    const items = data.map((vector, i) => ({ id: i + 1, vector }));
    exact.add(items);
    hnsw.add(items);
    let found = 0;
    for (const q of queries) {
      const truth = new Set(exact.search(q, 10).map((h) => h.id));
      found += hnsw.search(q, 10).filter((h) => truth.has(h.id)).length;
    }
    const recall = found / (queries.length * 10);
    expect(recall).toBeGreaterThanOrEqual(0.98);
  });

  it('chooses its search breadth from its size unless one is set', () => {
    expect([1_000, 10_000, 100_000, 400_000, 800_000, 1_000_000].map(efForSize)).toEqual([
      128, 128, 1280, 5120, 10240, 10240,
    ]);
    const dim = 8;
    const index = HnswIndex.create(dim, 100);
    index.add(randomVectors(50, dim, 3).map((vector, i) => ({ id: i + 1, vector })));
    expect(index.ef).toBe(128);
    index.add(randomVectors(6_000, dim, 4).map((vector, i) => ({ id: i + 100, vector })));
    expect(index.ef).toBe(efForSize(6_050));
    index.setEf(300);
    expect(index.ef).toBe(300);
    index.setEf('auto');
    expect(index.ef).toBe(efForSize(6_050));
  });

  it('a written index reads back with the same answers, and labels no longer live are tombstoned on read', () => {
    const dim = 8;
    const data = randomVectors(100, dim, 5);
    const index = HnswIndex.create(dim, 10);
    index.add(data.map((vector, i) => ({ id: i + 1, vector })));
    const file = path.join(tempDir(), 'v.hnsw');
    index.write(file);
    const live = new Set(Array.from({ length: 90 }, (_, i) => i + 1));
    const { index: back, missing } = HnswIndex.read(file, dim, new Set([...live, 500]));
    expect(missing).toEqual([500]);
    expect(back.size()).toBe(90);
    expect(
      back
        .search(data[95]!, 100)
        .map((h) => h.id)
        .some((id) => id > 90),
    ).toBe(false);
    expect(HnswIndex.liveLabels(file, dim).size).toBe(100);
  });
});

describe('hnsw: identical vectors hang off one point of the graph', () => {
  it('saves them beside the file and reads them back', () => {
    const same = randomVectors(1, 8, 3)[0]!;
    const index = HnswIndex.create(8, 4);
    index.add(Array.from({ length: 300 }, (_, i) => ({ id: i + 1, vector: Float32Array.from(same) })));
    index.add(randomVectors(20, 8, 4).map((vector, i) => ({ id: 500 + i, vector })));
    const duplicates = index.duplicates();
    expect(Object.values(duplicates).flat()).toHaveLength(299);
    const file = path.join(tempDir(), 'dupes.hnsw');
    index.write(file);
    const live = new Set([
      ...Array.from({ length: 300 }, (_, i) => i + 1),
      ...Array.from({ length: 20 }, (_, i) => 500 + i),
    ]);
    expect(HnswIndex.liveLabels(file, 8, duplicates)).toEqual(live);
    const { index: again, missing } = HnswIndex.read(file, 8, live, undefined, duplicates);
    expect(missing).toEqual([]);
    expect(again.size()).toBe(320);
    expect(
      again
        .search(same, 300)
        .map((h) => h.id)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });
});
