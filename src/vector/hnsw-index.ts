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
  /** Search breadth: higher is slower and closer to exact; 'auto' grows it with the graph (see efForSize). */
  efSearch: number | 'auto';
}

/**
 * The search breadth for a graph of n points when it is not set: in
 * proportion to the collection, 1280 at 100,000 points, from 128 to 10240.
 * Measured on the benchmark's synthetic text (random words within a topic,
 * the hardest case for a graph index), recall@10 stays about 0.99 from
 * 10,000 to 100,000 points this way (ef 128 at 10,000: 0.99; 640 at 100,000:
 * 0.96, 1280: 0.99), so small collections stop paying for a breadth they do
 * not need. Past 800,000 points it stops at 10240, where a k-NN at 1,000,000
 * points takes 14.4 ms at p95 for recall 0.949 (5120: 0.927 in 9.5 ms), the
 * most a search can take in time at the graph degree of 48.
 */
export function efForSize(n: number): number {
  return Math.min(10240, Math.max(128, Math.round((1280 * n) / 100_000 / 16) * 16));
}

export const DEFAULT_HNSW: HnswOptions = hnswOptions(DEFAULTS);

/**
 * HNSW (hnswlib) over cosine similarity, labels = passage ids. Deleted
 * labels are tombstoned (markDelete) and their slots reused by later adds;
 * the capacity grows before it is reached.
 */
/** Cosine distance under which two vectors are the same vector (floating-point noise aside). */
const SAME = 1e-6;
/** Search breadth of the probe that finds an identical vector before one is added. */
const PROBE_EF = 16;

/** Ids whose vectors are identical to a vector in the graph, by the id of that vector (the representative). */
export type Duplicates = Record<string, number[]>;

export class HnswIndex implements VectorIndex {
  readonly dim: number;
  private readonly index: InstanceType<typeof HierarchicalNSW>;
  /** Every live id: the graph's points and their duplicates. */
  private readonly live: Set<number>;
  /** Representative → the other ids with its vector (not points of the graph). */
  private readonly members = new Map<number, Set<number>>();
  /** Duplicate → its representative. */
  private readonly repOf = new Map<number, number>();
  private tombstones: number;
  private efSetting: number | 'auto';
  /** The breadth the graph is set to now. */
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
    this.efSetting = options.efSearch;
    this.efSearch = this.efWanted();
    index.setEf(this.efSearch);
  }

  /** The breadth set, or the one for the graph's size. */
  private efWanted(): number {
    const ef = this.efSetting;
    return ef === 'auto' ? efForSize(this.live.size - this.repOf.size) : ef;
  }

  /** The breadth searches use now (it follows the graph's size unless one was set). */
  get ef(): number {
    return this.efWanted();
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
   * Reads an index file and the duplicates saved with it. `liveIds` are the
   * labels that should be live; any other label in the file is tombstoned
   * here, so the index never returns a passage that no longer exists.
   */
  static read(
    file: string,
    dim: number,
    liveIds: Set<number>,
    options: HnswOptions = DEFAULT_HNSW,
    duplicates: Duplicates = {},
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
    const out = new HnswIndex(index, dim, live, tombstones, options);
    for (const [rep, ids] of Object.entries(duplicates)) {
      if (!live.has(Number(rep))) continue; // a deleted representative: its duplicates are added again as points
      for (const id of ids) if (liveIds.has(id) && !live.has(id)) out.attach(Number(rep), id);
    }
    const missing = [...liveIds].filter((id) => !live.has(id));
    return { index: out, missing };
  }

  /** The labels an index file holds that are not deleted, and the duplicates saved beside it (read afresh). */
  static liveLabels(file: string, dim: number, duplicates: Duplicates = {}): Set<number> {
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
    for (const [rep, ids] of Object.entries(duplicates)) if (live.has(Number(rep))) for (const id of ids) live.add(id);
    return live;
  }

  size(): number {
    return this.live.size;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** Share of the graph's slots held by deleted vectors. */
  tombstoneRatio(): number {
    const slots = this.live.size - this.repOf.size + this.tombstones;
    return slots ? this.tombstones / slots : 0;
  }

  /**
   * Adds vectors (replacing an id's old one). A vector identical to one in
   * the graph is not added to the graph: it hangs off that one and is
   * returned with it. (HNSW degrades to a linear scan on many identical
   * points; a document of thousands of identical passages must not do that.)
   */
  add(items: { id: number; vector: Float32Array }[]): void {
    const fresh = items.filter((i) => !this.live.has(i.id));
    const needed = this.index.getCurrentCount() + Math.max(0, fresh.length - this.tombstones);
    if (needed > this.index.getMaxElements())
      this.index.resizeIndex(Math.max(needed, Math.ceil(this.index.getMaxElements() * 1.5)));
    for (const { id, vector } of items) {
      if (vector.length !== this.dim)
        throw new Error(`vector of ${vector.length} dimensions in an index of ${this.dim}`);
      if (this.live.has(id)) this.remove([id]);
      const point = Array.from(vector);
      const same = this.identical(point);
      if (same !== null) {
        this.attach(same, id);
        continue;
      }
      this.index.addPoint(point, id, true);
      if (this.tombstones > 0) this.tombstones--;
      this.live.add(id);
    }
  }

  remove(ids: number[]): void {
    for (const id of ids) {
      if (!this.live.has(id)) continue;
      this.live.delete(id);
      const rep = this.repOf.get(id);
      if (rep !== undefined) {
        this.repOf.delete(id);
        const group = this.members.get(rep)!;
        group.delete(id);
        if (!group.size) this.members.delete(rep);
        continue;
      }
      const others = this.members.get(id);
      if (others) {
        // A representative goes: the first of its duplicates takes its place in the graph.
        const point = this.index.getPoint(id);
        this.members.delete(id);
        this.index.markDelete(id);
        const next = others.values().next().value!;
        others.delete(next);
        this.repOf.delete(next);
        this.index.addPoint(point, next, true);
        for (const m of others) this.repOf.set(m, next);
        if (others.size) this.members.set(next, others);
        continue;
      }
      this.index.markDelete(id);
      this.tombstones++;
    }
  }

  search(query: Float32Array, k: number, accept?: (id: number) => boolean): Neighbour[] {
    const n = Math.min(k, this.live.size - this.repOf.size);
    if (n <= 0) return [];
    const wanted = this.efWanted();
    if (wanted !== this.efSearch) this.index.setEf((this.efSearch = wanted));
    const widened = n > this.efSearch;
    if (widened) this.index.setEf(n);
    const group = (rep: number) => [rep, ...(this.members.get(rep) ?? [])];
    const filter = accept ? (rep: number) => group(rep).some(accept) : undefined;
    const result = filter
      ? this.index.searchKnn(Array.from(query), n, filter)
      : this.index.searchKnn(Array.from(query), n);
    if (widened) this.index.setEf(this.efSearch);
    const out: Neighbour[] = [];
    result.neighbors.forEach((rep, i) => {
      for (const id of group(rep)) {
        if (out.length < k && (!accept || accept(id))) out.push({ id, score: 1 - result.distances[i]! });
      }
    });
    return out;
  }

  /** Search breadth from now on (at least k is always used); 'auto' for the one by the graph's size. */
  setEf(ef: number | 'auto'): void {
    this.efSetting = ef;
    this.efSearch = this.efWanted();
    this.index.setEf(this.efSearch);
  }

  labels(): number[] {
    return [...this.live];
  }

  /** The duplicates, to be saved beside the index file (it holds the graph's points only). */
  duplicates(): Duplicates {
    return Object.fromEntries([...this.members].map(([rep, ids]) => [String(rep), [...ids]]));
  }

  /** The point in the graph whose vector is this one, if any (a quick, narrow search). */
  private identical(point: number[]): number | null {
    if (this.live.size === this.repOf.size) return null;
    this.index.setEf(PROBE_EF);
    const near = this.index.searchKnn(point, 1);
    this.index.setEf(this.efSearch);
    return near.neighbors.length && near.distances[0]! <= SAME ? near.neighbors[0]! : null;
  }

  private attach(rep: number, id: number): void {
    const group = this.members.get(rep);
    if (group) group.add(id);
    else this.members.set(rep, new Set([id]));
    this.repOf.set(id, rep);
    this.live.add(id);
  }

  /** Writes the index to `file` atomically (temp file, then rename). */
  write(file: string): void {
    const temp = DataFolder.temp(file);
    this.index.writeIndexSync(temp);
    fs.renameSync(temp, file);
  }
}
