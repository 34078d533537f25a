import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { blobToVector } from '../embed/embedder.js';
import { DEFAULT_HNSW, HnswIndex, type HnswOptions } from './hnsw-index.js';

export const INDEX_FILE = 'vectors.hnsw';
export const MANIFEST_FILE = 'vectors.json';

/** The small file written beside the index, last, that says what the index holds. */
export interface Manifest {
  format: 1;
  embedder: string;
  dim: number;
  count: number;
  /** The database's vectors_generation the index reflects. */
  generation: number;
  /** Size of the index file, to notice a truncated or replaced file without reading it. */
  bytes: number;
  written_at: string;
}

export interface IndexState {
  embedder: string | null;
  dim: number;
  count: number;
  generation: number;
  /** How the index was obtained at open: loaded as saved, brought up to date, or rebuilt. */
  opened: 'loaded' | 'updated' | 'rebuilt' | 'empty';
  reason?: string;
}

/** The manifest of the index saved under a data dir, or null when it is missing or unreadable. */
export function readManifest(dataDir: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dataDir, MANIFEST_FILE), 'utf8')) as Manifest;
    return m.format === 1 && typeof m.embedder === 'string' && Number.isInteger(m.dim) ? m : null;
  } catch {
    return null;
  }
}

/** Rebuild when more than this share of slots hold deleted vectors. */
const MAX_TOMBSTONES = 0.3;

/**
 * The HNSW index as derived data: built from the `embeddings` table,
 * persisted under the data dir (index file written to a temp name and
 * renamed, then the manifest), and checked against the database whenever it
 * is opened or synced. If anything disagrees it is brought up to date or
 * rebuilt, and the log says why; it never returns a deleted passage.
 */
export class Vectors {
  private readonly dir: string;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly options: HnswOptions;
  private index: HnswIndex | null = null;
  private embedder: string | null = null;
  private generation = -1;
  private opened: IndexState['opened'] = 'empty';
  private reason: string | undefined;

  constructor(dataDir: string, store: Store, log: Logger, options: Partial<HnswOptions> = {}) {
    this.dir = dataDir;
    this.store = store;
    this.log = log;
    this.options = { ...DEFAULT_HNSW, ...options };
  }

  get file(): string {
    return path.join(this.dir, INDEX_FILE);
  }

  get manifestFile(): string {
    return path.join(this.dir, MANIFEST_FILE);
  }

  /** The index for the active embedder, up to date with the database (null when there are no vectors). */
  current(): HnswIndex | null {
    this.sync();
    return this.index;
  }

  state(): IndexState {
    const s: IndexState = { embedder: this.embedder, dim: this.index?.dim ?? 0, count: this.index?.size() ?? 0, generation: this.generation, opened: this.opened };
    if (this.reason) s.reason = this.reason;
    return s;
  }

  private dbGeneration(): number {
    return Number(this.store.getMeta('vectors_generation') ?? 0);
  }

  /**
   * Brings the index in line with the database. Cheap when nothing changed
   * (one meta read); otherwise adds the missing vectors and tombstones the
   * deleted ones, or rebuilds when the embedder changed or tombstones pile up.
   */
  sync(): void {
    const embedder = this.store.getMeta('embedder_id') || null;
    const generation = this.dbGeneration();
    if (this.index && embedder === this.embedder && generation === this.generation) return;
    if (!embedder) {
      this.index = null;
      this.embedder = null;
      this.generation = generation;
      return;
    }
    const dim = Number(this.store.getMeta('embedder_dim') ?? 0);
    if (!this.index) {
      this.openFromDisk(embedder, dim, generation);
      return;
    }
    if (embedder !== this.embedder || this.index.dim !== dim) {
      this.rebuild(embedder, dim, `the embedder changed to ${embedder}`);
      return;
    }
    this.catchUp(embedder, generation);
  }

  private liveIds(embedder: string): Set<number> {
    const rows = this.store.db.prepare('SELECT passage_id FROM embeddings WHERE model = ?').pluck().all(embedder) as number[];
    return new Set(rows);
  }

  private openFromDisk(embedder: string, dim: number, generation: number): void {
    const problem = this.manifestProblem(embedder, dim);
    if (problem) {
      this.rebuild(embedder, dim, problem);
      return;
    }
    try {
      const live = this.liveIds(embedder);
      const manifest = this.readManifest()!;
      const { index, missing } = HnswIndex.read(this.file, dim, live, this.options);
      this.index = index;
      this.embedder = embedder;
      this.add(embedder, missing);
      this.generation = generation;
      this.opened = manifest.generation === generation && missing.length === 0 ? 'loaded' : 'updated';
      if (this.opened === 'updated') {
        this.reason = `the index was older than the database (generation ${manifest.generation}, database ${generation})`;
        this.log.info(`vector index: ${this.reason}: brought up to date`);
      }
      if (index.tombstoneRatio() > MAX_TOMBSTONES) this.rebuild(embedder, dim, 'too many deleted vectors');
    } catch (err) {
      this.rebuild(embedder, dim, `the index file is unreadable (${(err as Error).message})`);
    }
  }

  /**
   * Without reading the index: does the saved index look current? (Used by
   * commands that do not search, so a missing or damaged index is repaired
   * whatever command runs next.)
   */
  quickCheck(): string | null {
    const embedder = this.store.getMeta('embedder_id') || null;
    if (!embedder) return null;
    const problem = this.manifestProblem(embedder, Number(this.store.getMeta('embedder_dim') ?? 0));
    if (problem) return problem;
    return this.readManifest()!.generation === this.dbGeneration() ? null : 'the index is older than the database';
  }

  /** Repairs the saved index if `quickCheck` finds a problem; returns what was wrong. */
  repair(): string | null {
    const problem = this.quickCheck();
    if (!problem) return null;
    this.sync();
    this.save();
    return problem;
  }

  private manifestProblem(embedder: string, dim: number): string | null {
    if (!fs.existsSync(this.file)) return 'the index file is missing';
    const manifest = this.readManifest();
    if (!manifest) return 'the manifest is missing or unreadable';
    if (manifest.bytes !== fs.statSync(this.file).size) return `the index file is ${fs.statSync(this.file).size} bytes, the manifest says ${manifest.bytes}`;
    if (manifest.embedder !== embedder) return `the index was built by ${manifest.embedder}, not ${embedder}`;
    if (manifest.dim !== dim) return `the index has ${manifest.dim} dimensions, not ${dim}`;
    return null;
  }

  private readManifest(): Manifest | null {
    return readManifest(this.dir);
  }

  private catchUp(embedder: string, generation: number): void {
    const index = this.index!;
    const live = this.liveIds(embedder);
    const stale = index.labels().filter((id) => !live.has(id));
    index.remove(stale);
    const missing = [...live].filter((id) => !index.has(id));
    this.add(embedder, missing);
    this.generation = generation;
    if (index.tombstoneRatio() > MAX_TOMBSTONES) this.rebuild(embedder, index.dim, 'too many deleted vectors');
  }

  private add(embedder: string, ids: number[]): void {
    const select = this.store.db.prepare('SELECT passage_id AS id, vector FROM embeddings WHERE model = ? AND passage_id = ?');
    for (let i = 0; i < ids.length; i += 1000) {
      const items = ids.slice(i, i + 1000).map((id) => select.get(embedder, id) as { id: number; vector: Buffer } | undefined).filter((r) => r !== undefined);
      this.index!.add(items.map((r) => ({ id: r.id, vector: blobToVector(r.vector) })));
    }
  }

  /** Builds the index afresh from the `embeddings` table. */
  rebuild(embedder: string, dim: number, reason: string): void {
    const started = Date.now();
    const generation = this.dbGeneration();
    const count = (this.store.db.prepare('SELECT count(*) AS n FROM embeddings WHERE model = ?').get(embedder) as { n: number }).n;
    const index = HnswIndex.create(dim, Math.ceil(count * 1.25) + 16, this.options);
    const rows = this.store.db.prepare('SELECT passage_id AS id, vector FROM embeddings WHERE model = ? ORDER BY passage_id').iterate(embedder) as IterableIterator<{ id: number; vector: Buffer }>;
    let batch: { id: number; vector: Float32Array }[] = [];
    for (const row of rows) {
      batch.push({ id: row.id, vector: blobToVector(row.vector) });
      if (batch.length === 1000) {
        index.add(batch);
        batch = [];
      }
    }
    index.add(batch);
    this.index = index;
    this.embedder = embedder;
    this.generation = generation;
    this.opened = 'rebuilt';
    this.reason = reason;
    this.log.info(`vector index rebuilt (${reason}): ${index.size()} vectors in ${Date.now() - started} ms`);
    this.save();
  }

  /** Persists the index: data file first (temp + rename), then the manifest (temp + rename). */
  save(): void {
    if (!this.index || !this.embedder) {
      fs.rmSync(this.manifestFile, { force: true });
      fs.rmSync(this.file, { force: true });
      return;
    }
    fs.mkdirSync(this.dir, { recursive: true });
    this.index.write(this.file);
    const bytes = fs.statSync(this.file).size;
    const manifest: Manifest = { format: 1, embedder: this.embedder, dim: this.index.dim, count: this.index.size(), generation: this.generation, bytes, written_at: new Date().toISOString() };
    const temp = `${this.manifestFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(manifest, null, 2));
    fs.renameSync(temp, this.manifestFile);
  }

  /**
   * Checks the index as persisted on disk against the database (for `kb
   * verify`): the manifest names the active embedder and the database's
   * generation, and the file's live labels are exactly the stored vectors.
   */
  verifyFile(): string[] {
    const embedder = this.store.getMeta('embedder_id') || null;
    if (!embedder) return fs.existsSync(this.file) ? ['index: an index file exists but no vectors are stored'] : [];
    const dim = Number(this.store.getMeta('embedder_dim') ?? 0);
    const problem = this.manifestProblem(embedder, dim);
    if (problem) return [`index: ${problem}`];
    const problems: string[] = [];
    const manifest = this.readManifest()!;
    if (manifest.generation !== this.dbGeneration()) problems.push(`index: the manifest reflects generation ${manifest.generation}, the database is at ${this.dbGeneration()}`);
    const live = this.liveIds(embedder);
    const onDisk = HnswIndex.liveLabels(this.file, dim);
    const missing = [...live].filter((id) => !onDisk.has(id));
    const stale = [...onDisk].filter((id) => !live.has(id));
    if (missing.length) problems.push(`index: ${missing.length} stored vectors are not in the index (e.g. passage ${missing[0]})`);
    if (stale.length) problems.push(`index: ${stale.length} labels point at passages that have no vector (e.g. ${stale[0]})`);
    if (manifest.count !== onDisk.size) problems.push(`index: the manifest counts ${manifest.count} vectors, the file holds ${onDisk.size}`);
    return problems;
  }
}
