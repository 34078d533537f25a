import fs from 'node:fs';
import { DataFolder } from '../data-folder.js';
import { KbError } from '../errors.js';
import type { Logger } from '../log.js';
import { guarded } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import { blobToVector } from './codec.js';
import { DEFAULT_HNSW, HnswIndex, type HnswOptions } from './hnsw-index.js';
import { manifestProblem, readManifest, writeManifest, type Manifest } from './manifest.js';

export interface IndexState {
  embedder: string | null;
  dim: number;
  count: number;
  generation: number;
  /** How the index was obtained: loaded as saved, brought up to date, rebuilt, or none (no vectors). */
  opened: 'loaded' | 'updated' | 'rebuilt' | 'empty';
  reason?: string;
}

export interface KeeperOptions extends HnswOptions {
  /** This process may write the index file (the writer does; readers keep their copy in memory). */
  writable: boolean;
}

/** Rebuild when more than this share of slots hold deleted vectors. */
const MAX_TOMBSTONES = 0.3;
/** Vectors added to the index per step while catching up (each step is short). */
const STEP = 1_000;

/**
 * The HNSW index as derived data, kept in step with the stored vectors.
 * Built from the database, saved in the data folder (index file written to
 * a temporary name and renamed, then the manifest), and on `open` checked
 * against the database: a missing, foreign or damaged file is rebuilt, a
 * file behind the database is brought up to date from the vector change log.
 * Only `open`, `catchUp` and `rebuild` change it, after writes; a search
 * reads `current()` and never changes or saves anything.
 */
export class IndexKeeper {
  private readonly folder: DataFolder;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly options: KeeperOptions;
  private index: HnswIndex | null = null;
  private embedder: string | null = null;
  private generation = -1;
  private opened: IndexState['opened'] = 'empty';
  private reason: string | undefined;
  /** The in-memory index has changes the file does not. */
  private dirty = false;

  constructor(dataDir: string, store: Store, log: Logger, options: Partial<KeeperOptions> = {}) {
    this.folder = new DataFolder(dataDir);
    this.store = store;
    this.log = log;
    this.options = { ...DEFAULT_HNSW, writable: !store.readonly, ...options };
  }

  get file(): string {
    return this.folder.index;
  }

  /** The index as of the last open or catch-up (null when no vectors are stored). Never changes anything. */
  current(): HnswIndex | null {
    return this.index;
  }

  state(): IndexState {
    const s: IndexState = {
      embedder: this.embedder,
      dim: this.index?.dim ?? 0,
      count: this.index?.size() ?? 0,
      generation: this.generation,
      opened: this.opened,
    };
    if (this.reason) s.reason = this.reason;
    return s;
  }

  /** The database has vector changes this index has not taken in (one meta read). */
  behind(): boolean {
    const recorded = this.store.meta.embedder()?.id ?? null;
    return recorded !== this.embedder || this.store.meta.vectorsGeneration() !== this.generation;
  }

  /**
   * Loads the saved index (or builds it) and brings it up to date with the
   * database. Saves it when it had to be repaired and this process may write.
   */
  open(): void {
    const recorded = this.store.meta.embedder();
    const generation = this.store.meta.vectorsGeneration();
    if (!recorded) {
      this.reset(generation);
      if (this.options.writable && fs.existsSync(this.file)) this.removeFiles();
      return;
    }
    const problem = manifestProblem(this.folder.dir, recorded.id, recorded.dim);
    if (problem) {
      this.rebuild(problem);
      return;
    }
    try {
      const manifest = readManifest(this.folder.dir)!;
      const live = this.store.read(() => this.store.embeddings.liveIds(recorded.id));
      const { index, missing } = HnswIndex.read(this.file, recorded.dim, live, this.options, manifest.duplicates);
      this.index = index;
      this.embedder = recorded.id;
      this.generation = manifest.generation;
      this.addIds(missing);
      this.generation = generation;
      this.opened = manifest.generation === generation && missing.length === 0 ? 'loaded' : 'updated';
      if (this.opened === 'updated') {
        this.reason =
          `the index was older than the database (generation ${manifest.generation}, database ` + `${generation})`;
        this.log.info(`vector index: ${this.reason}: brought up to date`);
        this.dirty = true;
      }
      if (index.tombstoneRatio() > MAX_TOMBSTONES) this.rebuild('too many deleted vectors');
      else this.saveIfDirty();
    } catch (err) {
      if (err instanceof KbError && err.code !== 'INDEX_CORRUPT') throw err;
      this.rebuild(`the index file is unreadable (${(err as Error).message})`);
    }
  }

  /**
   * Takes in the vector changes made since the index was last brought up to
   * date: from the change log when it reaches back far enough, else by
   * comparing every stored id. At most `maxChanges` changes (then returns
   * false: call again), so a reader can answer queries between steps. A new
   * embedder means a rebuild.
   */
  catchUp(maxChanges = Infinity): boolean {
    const recorded = this.store.meta.embedder();
    const generation = this.store.meta.vectorsGeneration();
    if (!recorded) {
      this.reset(generation);
      return true;
    }
    if (!this.index || recorded.id !== this.embedder || this.index.dim !== recorded.dim) {
      if (!this.index) this.open();
      else this.rebuild(`the embedder changed to ${recorded.id}`);
      return true;
    }
    if (generation === this.generation) return true;
    const limit = Number.isFinite(maxChanges) ? maxChanges : 1_000_000_000;
    const changes = this.store.read(() =>
      this.store.embeddings.changesSince(recorded.id, this.generation, limit, generation),
    );
    if (changes === null) {
      this.diffWithDatabase(recorded.id, generation);
      return true;
    }
    const removed: number[] = [];
    const added = new Set<number>();
    for (const c of changes) {
      if (c.op === 'remove') {
        added.delete(c.passage_id);
        removed.push(c.passage_id);
      } else added.add(c.passage_id);
    }
    this.index.remove(removed.filter((id) => !added.has(id)));
    this.addIds([...added]);
    const last = changes.length ? changes[changes.length - 1]!.gen : generation;
    const done = changes.length < limit;
    this.generation = done ? generation : last;
    this.dirty = true;
    if (this.index.tombstoneRatio() > MAX_TOMBSTONES) this.rebuild('too many deleted vectors');
    return done;
  }

  /** Builds the index afresh from the stored vectors (saved when this process may write). */
  rebuild(reason: string): void {
    const recorded = this.store.meta.embedder();
    const generation = this.store.meta.vectorsGeneration();
    if (!recorded) {
      this.reset(generation);
      return;
    }
    const started = Date.now();
    const count = this.store.read(() => this.store.embeddings.count(recorded.id));
    const index = HnswIndex.create(recorded.dim, Math.ceil(count * 1.25) + 16, this.options);
    let batch: { id: number; vector: Float32Array }[] = [];
    this.store.read(() => {
      for (const row of this.store.embeddings.iterate(recorded.id)) {
        batch.push({ id: row.id, vector: blobToVector(row.vector) });
        if (batch.length === STEP) {
          index.add(batch);
          batch = [];
        }
      }
    });
    index.add(batch);
    this.index = index;
    this.embedder = recorded.id;
    this.generation = generation;
    this.opened = 'rebuilt';
    this.reason = reason;
    this.dirty = true;
    this.log.info(
      `vector index rebuilt (${reason}): ${index.size()} vectors in ${Date.now() - started} ` +
        `ms${this.options.writable ? '' : ' (kept in memory)'}`,
    );
    this.saveIfDirty();
  }

  /**
   * Writes the index when it has changes the file lacks and this process may write (a full or read-only disk is logged,
   * not fatal).
   */
  saveIfDirty(): boolean {
    if (!this.dirty || !this.options.writable) return false;
    try {
      this.save();
      return true;
    } catch (err) {
      if (err instanceof KbError && (err.code === 'DISK_FULL' || err.code === 'DATA_READ_ONLY')) {
        this.log.warn(`vector index not saved: ${err.message} (it is rebuilt or brought up to date at the next start)`);
        return false;
      }
      throw err;
    }
  }

  /**
   * Persists the index: data file first (temp + rename), then the manifest; then forgets the vector changes it
   * reflects.
   */
  save(): void {
    if (!this.index || !this.embedder) {
      this.removeFiles();
      return;
    }
    const index = this.index;
    const embedder = this.embedder;
    guarded(this.file, () => {
      fs.mkdirSync(this.folder.dir, { recursive: true });
      index.write(this.file);
      const bytes = fs.statSync(this.file).size;
      const { dim } = index;
      const manifest: Manifest = {
        format: 1,
        embedder,
        dim,
        count: index.size(),
        generation: this.generation,
        bytes,
        written_at: new Date().toISOString(),
        duplicates: index.duplicates(),
      };
      writeManifest(this.folder.dir, manifest);
    });
    this.dirty = false;
    if (!this.store.readonly) this.store.transaction(() => this.store.embeddings.pruneLog(this.generation));
  }

  /** Search breadth from now on. */
  setEf(ef: number | 'auto'): void {
    this.options.efSearch = ef;
    this.index?.setEf(ef);
  }

  private reset(generation: number): void {
    this.index = null;
    this.embedder = null;
    this.generation = generation;
    this.opened = 'empty';
  }

  private removeFiles(): void {
    if (!this.options.writable) return;
    fs.rmSync(this.folder.manifest, { force: true });
    fs.rmSync(this.file, { force: true });
  }

  private diffWithDatabase(model: string, generation: number): void {
    const index = this.index!;
    const live = this.store.read(() => this.store.embeddings.liveIds(model));
    index.remove(index.labels().filter((id) => !live.has(id)));
    this.addIds([...live].filter((id) => !index.has(id)));
    this.generation = generation;
    this.dirty = true;
    if (index.tombstoneRatio() > MAX_TOMBSTONES) this.rebuild('too many deleted vectors');
  }

  private addIds(ids: number[]): void {
    if (!ids.length || !this.embedder) return;
    for (let i = 0; i < ids.length; i += STEP) {
      const rows = this.store.read(() => this.store.embeddings.vectorsOf(this.embedder!, ids.slice(i, i + STEP)));
      this.index!.add(rows.map((r) => ({ id: r.id, vector: blobToVector(r.vector) })));
    }
  }
}
