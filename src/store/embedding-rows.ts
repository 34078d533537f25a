import type { Db, Statement } from './sqlite.js';

/** A passage as it is embedded: with its document's title and its section. */
export interface PassageToEmbed {
  id: number;
  title: string;
  section: string | null;
  text: string;
}

/** A stored vector's bytes (Float32, little-endian), by passage. */
export interface VectorRow {
  id: number;
  vector: Buffer;
}

/** One change to the stored vectors, in the order they happened (see migration 6). */
export interface VectorChange {
  gen: number;
  passage_id: number;
  op: 'add' | 'remove';
}

/**
 * The stored vectors (`embeddings`), their change log, and the fitted
 * parameters of the built-in embedder (`embedder_models`). Vectors are
 * derived data: written after passages, checked against them.
 */
export class EmbeddingRows {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      any: p('SELECT 1 FROM embeddings LIMIT 1'),
      count: p('SELECT count(*) FROM embeddings WHERE model = ?').pluck(),
      missingCount: p(
        'SELECT count(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.passage_id = p.id ' +
          'AND e.model = ?)',
      ).pluck(),
      missing: p(
        `SELECT p.id, p.title, p.section, p.text FROM passages p
         WHERE p.id > ? AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.passage_id = p.id AND e.model = ?)
         ORDER BY p.id LIMIT ?`,
      ),
      insert: p(
        'INSERT OR REPLACE INTO embeddings (passage_id, model, dim, vector) SELECT ?, ?, ?, ? WHERE EXISTS ' +
          '(SELECT 1 FROM passages WHERE id = ?)',
      ),
      deleteModel: p('DELETE FROM embeddings WHERE model = ?'),
      deleteOthers: p('DELETE FROM embeddings WHERE model <> ?'),
      deleteAll: p('DELETE FROM embeddings'),
      others: p('SELECT count(*) FROM embeddings WHERE model <> ?').pluck(),
      wrongDim: p('SELECT count(*) FROM embeddings WHERE model = ? AND (dim <> ? OR length(vector) <> 4 * ?)').pluck(),
      liveIds: p('SELECT passage_id FROM embeddings WHERE model = ?').pluck(),
      vector: p('SELECT vector FROM embeddings WHERE passage_id = ? AND model = ?').pluck(),
      vectors: p(
        'SELECT passage_id AS id, vector FROM embeddings WHERE model = ? AND passage_id IN (SELECT value FROM ' +
          'json_each(?))',
      ),
      all: p('SELECT passage_id AS id, vector FROM embeddings WHERE model = ? ORDER BY passage_id'),
      changes: p('SELECT gen, passage_id, op FROM vector_log WHERE model = ? AND gen > ? ORDER BY gen LIMIT ?'),
      oldestChange: p('SELECT min(gen) FROM vector_log').pluck(),
      pruneLog: p('DELETE FROM vector_log WHERE gen <= ?'),
      passageCount: p('SELECT count(*) FROM passages').pluck(),
      fitSample: p(
        `SELECT title || ' ' || coalesce(section, '') || ' ' || text AS t FROM passages
         WHERE (id * 2654435761) % ? < ? ORDER BY id`,
      ).pluck(),
      saveFit: p(
        'INSERT OR REPLACE INTO embedder_models (id, family, created_at, fitted_on, data) VALUES (?, ?, ?, ?, ?)',
      ),
      latestFit: p(
        'SELECT data FROM embedder_models WHERE family = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
      ).pluck(),
      fit: p('SELECT data FROM embedder_models WHERE id = ?').pluck(),
    };
  }

  hasAny(): boolean {
    return this.s.any!.get() !== undefined;
  }

  count(model: string): number {
    return this.s.count!.get(model) as number;
  }

  /** Passages with no vector from `model`. */
  missingCount(model: string): number {
    return this.s.missingCount!.get(model) as number;
  }

  /** The next passages (by id, after `afterId`) with no vector from `model`. */
  missing(model: string, afterId: number, limit: number): PassageToEmbed[] {
    return this.s.missing!.all(afterId, model, limit) as PassageToEmbed[];
  }

  /** Stores vectors; a passage deleted meanwhile gets none. Call inside a transaction for a batch. */
  insert(model: string, dim: number, rows: { id: number; vector: Buffer }[]): void {
    for (const r of rows) this.s.insert!.run(r.id, model, dim, r.vector, r.id);
  }

  deleteModel(model: string): void {
    this.s.deleteModel!.run(model);
  }

  /** Drops every vector not made by `model`. */
  deleteOthers(model: string): void {
    this.s.deleteOthers!.run(model);
  }

  deleteAll(): void {
    this.s.deleteAll!.run();
  }

  /** Vectors made by any model other than `model`. */
  othersCount(model: string): number {
    return this.s.others!.get(model) as number;
  }

  /** Vectors of `model` that do not have `dim` dimensions. */
  wrongDimensionCount(model: string, dim: number): number {
    return this.s.wrongDim!.get(model, dim, dim) as number;
  }

  /** Passage ids with a vector from `model`. */
  liveIds(model: string): Set<number> {
    return new Set(this.s.liveIds!.all(model) as number[]);
  }

  vectorOf(passageId: number, model: string): Buffer | undefined {
    return this.s.vector!.get(passageId, model) as Buffer | undefined;
  }

  vectorsOf(model: string, ids: readonly number[]): VectorRow[] {
    const out: VectorRow[] = [];
    for (let i = 0; i < ids.length; i += 5_000)
      out.push(...(this.s.vectors!.all(model, JSON.stringify(ids.slice(i, i + 5_000))) as VectorRow[]));
    return out;
  }

  /** Every vector of `model`, in passage order, one at a time. */
  iterate(model: string): IterableIterator<VectorRow> {
    return this.s.all!.iterate(model) as IterableIterator<VectorRow>;
  }

  /**
   * Changes to `model`'s vectors after generation `since`, oldest first, at
   * most `limit`; null when the log no longer reaches back that far (it is
   * pruned once the index file reflects it). `current` is the database's
   * generation now.
   */
  changesSince(model: string, since: number, limit: number, current: number): VectorChange[] | null {
    if (since >= current) return [];
    const oldest = this.s.oldestChange!.get() as number | null;
    if (oldest === null || oldest > since + 1) return null;
    return this.s.changes!.all(model, since, limit) as VectorChange[];
  }

  /** Forgets changes up to and including generation `upTo` (the saved index reflects them). */
  pruneLog(upTo: number): void {
    this.s.pruneLog!.run(upTo);
  }

  /**
   * A deterministic sample of passage texts to fit the built-in embedder on: every passage when few, else an even
   * spread of ids.
   */
  fitSample(size: number): string[] {
    const total = this.s.passageCount!.get() as number;
    return this.s.fitSample!.all(Math.max(total, 1), Math.min(total, size)) as string[];
  }

  saveFit(id: string, family: string, fittedOn: number, data: Buffer): void {
    this.s.saveFit!.run(id, family, new Date().toISOString(), fittedOn, data);
  }

  latestFit(family: string): Buffer | undefined {
    return this.s.latestFit!.get(family) as Buffer | undefined;
  }

  fit(id: string): Buffer | undefined {
    return this.s.fit!.get(id) as Buffer | undefined;
  }
}
