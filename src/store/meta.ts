import type { Db, Statement } from './sqlite.js';

/**
 * The `meta` table, through typed accessors: the one place its keys are
 * named. The embedder on record is the one whose vectors are stored.
 */
const KEYS = {
  schemaVersion: 'schema_version',
  vectorsGeneration: 'vectors_generation',
  embedderId: 'embedder_id',
  embedderKind: 'embedder_kind',
  embedderDim: 'embedder_dim',
  embedderDescription: 'embedder_description',
  reindexProgress: 'reindex_progress',
  meaningFloor: 'meaning_floor',
} as const;

export type MetaKey = keyof typeof KEYS;

/** The embedder whose vectors are stored. */
export interface RecordedEmbedder {
  id: string;
  /** 'builtin', or the transformers embedder's identity. */
  kind: string;
  dim: number;
  description: string;
  builtin: boolean;
}

/** The meaning floor measured for an embedder on this collection (see src/search/meaning-floor.ts). */
export interface MeaningCalibration {
  /** The embedder it was measured for. */
  embedder: string;
  /** Passages in the collection when measured. */
  passages: number;
  floor: number;
  probes: number;
  /** Probe–passage pairs the quantile was taken over. */
  pairs: number;
}

export class Meta {
  private readonly select: Statement;
  private readonly upsert: Statement;

  constructor(db: Db) {
    this.select = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.upsert = db.prepare(
      'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
  }

  get(key: MetaKey): string | undefined {
    return this.select.get(KEYS[key]) as string | undefined;
  }

  set(key: MetaKey, value: string): void {
    this.upsert.run(KEYS[key], value);
  }

  schemaVersion(): number {
    return Number(this.get('schemaVersion') ?? 0);
  }

  /** A counter of changes to the stored vectors (kept by triggers). */
  vectorsGeneration(): number {
    return Number(this.get('vectorsGeneration') ?? 0);
  }

  embedder(): RecordedEmbedder | null {
    const id = this.get('embedderId');
    if (!id) return null;
    const kind = this.get('embedderKind') ?? '';
    return {
      id,
      kind,
      dim: Number(this.get('embedderDim') ?? 0),
      description: this.get('embedderDescription') ?? '',
      builtin: kind === 'builtin',
    };
  }

  meaningCalibration(): MeaningCalibration | null {
    const value = this.get('meaningFloor');
    if (!value) return null;
    try {
      const c = JSON.parse(value) as MeaningCalibration;
      return typeof c.floor === 'number' && typeof c.embedder === 'string' ? c : null;
    } catch {
      return null;
    }
  }

  setMeaningCalibration(c: MeaningCalibration): void {
    this.set('meaningFloor', JSON.stringify(c));
  }

  /** The embedder kind configured when vectors were last made, even if none are stored now. */
  embedderKind(): string | undefined {
    return this.get('embedderKind');
  }

  /** Records the embedder (null: none, no vectors) in one go; call inside the transaction that switches vectors. */
  setEmbedder(kind: string, embedder: { id: string; dim: number; description: string } | null): void {
    this.set('embedderKind', kind);
    this.set('embedderId', embedder?.id ?? '');
    this.set('embedderDim', String(embedder?.dim ?? 0));
    this.set('embedderDescription', embedder?.description ?? '');
  }
}

/** The schema version of a database, 0 for a new one (before the meta table exists). */
export function readSchemaVersion(db: Db): number {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  return hasMeta
    ? Number(
        (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(KEYS.schemaVersion) as string | undefined) ?? 0,
      )
    : 0;
}

export function writeSchemaVersion(db: Db, version: number): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    KEYS.schemaVersion,
    String(version),
  );
}

/** One meta value of another database (a backup's snapshot), without a Meta on it. */
export function readMetaValue(db: Db, key: MetaKey): string | undefined {
  return db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(KEYS[key]) as string | undefined;
}
