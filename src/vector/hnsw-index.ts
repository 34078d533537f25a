import fs from 'node:fs';
import hnswlib from 'hnswlib-node';
import { DEFAULTS, hnswOptions } from '../config.js';
import { DataFolder } from '../data-folder.js';
import type { Neighbour, VectorIndex } from './vector-index.js';

const { HierarchicalNSW } = hnswlib;

export interface HnswOptions {
  /** Graph degree. */
  m: number;
  efConstruction: number;
  /** Search breadth: higher is slower and closer to exact. */
  efSearch: number;
}

export const DEFAULT_HNSW: HnswOptions = hnswOptions(DEFAULTS);

/**
 * HNSW (hnswlib) over cosine similarity, labels = passage ids. Deleted
 * labels are tombstoned (markDelete) and their slots reused by later adds;
 * the capacity grows before it is reached.
 */
export class HnswIndex implements VectorIndex {
  readonly dim: number;
  private readonly index: InstanceType<typeof HierarchicalNSW>;
  private readonly live: Set<number>;
  private tombstones: number;
  private efSearch: number;

  private constructor(
    index: InstanceType<typeof HierarchicalNSW>,
    dim: number,
    live: Set<number>,
    tombstones: number,
    options: HnswOptions,
  ) {
    this.index = index;
    this.dim = dim;
    this.live = live;
    this.tombstones = tombstones;
    this.efSearch = options.efSearch;
    index.setEf(options.efSearch);
  }

  static create(dim: number, capacity = 1024, options: HnswOptions = DEFAULT_HNSW): HnswIndex {
    const index = new HierarchicalNSW('cosine', dim);
    index.initIndex({
      maxElements: Math.max(16, capacity),
      m: options.m,
      efConstruction: options.efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    return new HnswIndex(index, dim, new Set(), 0, options);
  }

  /**
   * Reads an index file. `liveIds` are the labels that should be live; any
   * other label in the file is tombstoned here, so the index never returns a
   * passage that no longer exists.
   */
  static read(
    file: string,
    dim: number,
    liveIds: Set<number>,
    options: HnswOptions = DEFAULT_HNSW,
  ): { index: HnswIndex; missing: number[] } {
    const index = new HierarchicalNSW('cosine', dim);
    index.readIndexSync(file, true);
    if (index.getNumDimensions() !== dim)
      throw new Error(`index has ${index.getNumDimensions()} dimensions, expected ${dim}`);
    const live = new Set<number>();
    let tombstones = 0;
    for (const label of index.getIdsList()) {
      if (liveIds.has(label)) {
        live.add(label);
        continue;
      }
      tombstones++;
      try {
        index.markDelete(label);
      } catch {
        // already tombstoned in the file
      }
    }
    const missing = [...liveIds].filter((id) => !live.has(id));
    return { index: new HnswIndex(index, dim, live, tombstones, options), missing };
  }

  /** The labels an index file holds that are not deleted (reads the file afresh). */
  static liveLabels(file: string, dim: number): Set<number> {
    const index = new HierarchicalNSW('cosine', dim);
    index.readIndexSync(file, true);
    const live = new Set<number>();
    for (const label of index.getIdsList()) {
      try {
        index.markDelete(label);
        live.add(label);
      } catch {
        // marked deleted in the file
      }
    }
    return live;
  }

  size(): number {
    return this.live.size;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** Share of slots held by deleted vectors. */
  tombstoneRatio(): number {
    const slots = this.live.size + this.tombstones;
    return slots ? this.tombstones / slots : 0;
  }

  add(items: { id: number; vector: Float32Array }[]): void {
    const fresh = items.filter((i) => !this.live.has(i.id));
    const needed = this.index.getCurrentCount() + Math.max(0, fresh.length - this.tombstones);
    if (needed > this.index.getMaxElements())
      this.index.resizeIndex(Math.max(needed, Math.ceil(this.index.getMaxElements() * 1.5)));
    for (const { id, vector } of items) {
      if (vector.length !== this.dim)
        throw new Error(`vector of ${vector.length} dimensions in an index of ${this.dim}`);
      if (this.live.has(id)) {
        this.index.markDelete(id);
        this.live.delete(id);
        this.tombstones++;
      }
      this.index.addPoint(Array.from(vector), id, true);
      if (this.tombstones > 0) this.tombstones--;
      this.live.add(id);
    }
  }

  remove(ids: number[]): void {
    for (const id of ids) {
      if (!this.live.has(id)) continue;
      this.index.markDelete(id);
      this.live.delete(id);
      this.tombstones++;
    }
  }

  search(query: Float32Array, k: number, accept?: (id: number) => boolean): Neighbour[] {
    const n = Math.min(k, this.live.size);
    if (n <= 0) return [];
    const widened = n > this.efSearch;
    if (widened) this.index.setEf(n);
    const result = accept
      ? this.index.searchKnn(Array.from(query), n, accept)
      : this.index.searchKnn(Array.from(query), n);
    if (widened) this.index.setEf(this.efSearch);
    return result.neighbors.map((id, i) => ({ id, score: 1 - result.distances[i]! }));
  }

  /** Search breadth from now on (at least k is always used). */
  setEf(ef: number): void {
    this.efSearch = ef;
    this.index.setEf(ef);
  }

  labels(): number[] {
    return [...this.live];
  }

  /** Writes the index to `file` atomically (temp file, then rename). */
  write(file: string): void {
    const temp = DataFolder.temp(file);
    this.index.writeIndexSync(temp);
    fs.renameSync(temp, file);
  }
}
