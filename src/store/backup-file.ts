import fs from 'node:fs';
import { KbError } from '../errors.js';
import { readMetaValue, readSchemaVersion } from './meta.js';
import { originalName } from './originals.js';
import { SCHEMA_VERSION } from './schema.js';
import { guarded, openSqlite, type Db } from './sqlite.js';

/**
 * The backup file's format: a SQLite file that is a snapshot of the
 * database (VACUUM INTO) plus three tables of its own: `backup_meta`,
 * `backup_files` (the originals, by stored name) and `backup_index` (the
 * vector index and its manifest, in chunks). The SQL of that format lives
 * here; src/backup decides what goes in.
 */
export const BACKUP_FORMAT = '1';
const CHUNK = 64 * 1024 * 1024;

const count = (db: Db, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

/** A snapshot being turned into a backup file. */
export class BackupWriter {
  private readonly db: Db;
  readonly file: string;

  constructor(snapshot: string) {
    this.file = snapshot;
    this.db = openSqlite(snapshot);
    guarded(snapshot, () =>
      this.db.exec(`
        CREATE TABLE backup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE backup_files (sha256 TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (sha256,
          name));
        CREATE TABLE backup_index (part TEXT NOT NULL, chunk INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (part,
          chunk));`),
    );
  }

  /** The originals the snapshot's documents need. */
  originalsNeeded(): { sha256: string; file_name: string }[] {
    return this.db.prepare('SELECT DISTINCT sha256, file_name FROM documents WHERE has_original = 1').all() as {
      sha256: string;
      file_name: string;
    }[];
  }

  /** The snapshot's vectors generation (the index goes in only if it reflects exactly this). */
  vectorsGeneration(): number {
    return Number(readMetaValue(this.db, 'vectorsGeneration') ?? -1);
  }

  addOriginals(files: Iterable<{ sha256: string; fileName: string; data: Buffer }>): number {
    const put = this.db.prepare('INSERT OR IGNORE INTO backup_files (sha256, name, data) VALUES (?, ?, ?)');
    let n = 0;
    guarded(this.file, () =>
      this.db.transaction(() => {
        for (const f of files) {
          put.run(f.sha256, originalName(f.sha256, f.fileName), f.data);
          n++;
        }
      })(),
    );
    return n;
  }

  addIndex(parts: { name: string; data: Buffer }[]): void {
    const put = this.db.prepare('INSERT INTO backup_index (part, chunk, data) VALUES (?, ?, ?)');
    guarded(this.file, () =>
      this.db.transaction(() => {
        for (const part of parts)
          for (let i = 0, c = 0; i < part.data.length || c === 0; i += CHUNK, c++)
            put.run(part.name, c, part.data.subarray(i, i + CHUNK));
      })(),
    );
  }

  /** Writes what the backup holds and checks the result; returns its counts. */
  finish(info: { originals: number; index: boolean }): { documents: number; passages: number } {
    const documents = count(this.db, 'documents');
    const passages = count(this.db, 'passages');
    const meta = this.db.prepare('INSERT INTO backup_meta (key, value) VALUES (?, ?)');
    guarded(this.file, () => {
      for (const [k, v] of Object.entries({
        format: BACKUP_FORMAT,
        created_at: new Date().toISOString(),
        documents,
        passages,
        originals: info.originals,
        index: info.index ? 1 : 0,
      }))
        meta.run(k, String(v));
    });
    const check = this.db.pragma('integrity_check', { simple: true });
    if (check !== 'ok')
      throw new KbError('BACKUP_INVALID', {
        file: this.file,
        detail: `the new backup failed its integrity check (${String(check)})`,
      });
    return { documents, passages };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export interface BackupContents {
  documents: number;
  passages: number;
  originals: number;
  /** Stored names of originals the documents need that the backup does not hold. */
  missingOriginals: string[];
  index: boolean;
}

/**
 * Opens a backup read-only and checks it is whole, one this program can read, and holds every original its documents
 * need.
 */
export function checkBackup(file: string): BackupContents {
  if (!fs.existsSync(file)) throw new KbError('FILE_NOT_FOUND', { file });
  const bad = (detail: string) => new KbError('BACKUP_INVALID', { file, detail });
  let db: Db;
  try {
    db = openSqlite(file, { readonly: true });
  } catch (err) {
    throw bad((err as Error).message);
  }
  try {
    let check: unknown;
    try {
      check = db.pragma('integrity_check', { simple: true });
    } catch (err) {
      throw bad((err as Error).message);
    }
    if (check !== 'ok') throw bad(`it fails SQLite's integrity check (${String(check)})`);
    const has = (t: string) =>
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    if (!has('backup_meta') || !has('meta') || !has('documents')) throw bad('it was not written by `kb backup`');
    const meta = new Map(
      (db.prepare('SELECT key, value FROM backup_meta').all() as { key: string; value: string }[]).map((r) => [
        r.key,
        r.value,
      ]),
    );
    if (meta.get('format') !== BACKUP_FORMAT)
      throw bad(`backup format ${meta.get('format')} is not one this program reads`);
    const schema = readSchemaVersion(db);
    if (schema > SCHEMA_VERSION)
      throw bad(`its database schema (${schema}) is newer than this program's (${SCHEMA_VERSION}): upgrade first`);
    const documents = count(db, 'documents');
    const passages = count(db, 'passages');
    if (String(documents) !== meta.get('documents') || String(passages) !== meta.get('passages'))
      throw bad('its contents do not match what it says it holds');
    const held = new Set(db.prepare('SELECT name FROM backup_files').pluck().all() as string[]);
    const needed = db
      .prepare(`SELECT DISTINCT sha256, file_name FROM documents${schema >= 6 ? ' WHERE has_original = 1' : ''}`)
      .all() as { sha256: string; file_name: string }[];
    const missingOriginals = needed.map((d) => originalName(d.sha256, d.file_name)).filter((name) => !held.has(name));
    return { documents, passages, originals: held.size, missingOriginals, index: meta.get('index') === '1' };
  } finally {
    db.close();
  }
}

/**
 * A copy of a backup file being turned back into a live database: its
 * originals and index are read out, then its own tables dropped.
 */
export class BackupReader {
  private readonly db: Db;
  private readonly file: string;

  constructor(copy: string) {
    this.file = copy;
    this.db = openSqlite(copy);
  }

  originals(): IterableIterator<{ sha256: string; name: string; data: Buffer }> {
    return this.db.prepare('SELECT sha256, name, data FROM backup_files').iterate() as IterableIterator<{
      sha256: string;
      name: string;
      data: Buffer;
    }>;
  }

  /** An index part's bytes (null when the backup has none). */
  indexPart(name: string): Buffer | null {
    const chunks = this.db
      .prepare('SELECT data FROM backup_index WHERE part = ? ORDER BY chunk')
      .pluck()
      .all(name) as Buffer[];
    return chunks.length ? Buffer.concat(chunks) : null;
  }

  /** Drops the backup's own tables and leaves a plain database in WAL mode. */
  toDatabase(): void {
    guarded(this.file, () => {
      this.db.exec('DROP TABLE backup_files; DROP TABLE backup_index; DROP TABLE backup_meta;');
      this.db.exec('VACUUM');
      this.db.pragma('journal_mode = WAL');
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens a database only if no other connection has it: every connection to
 * a WAL database holds a shared lock on it, so leaving WAL mode fails while
 * any other is open (a `kb serve`, an ingest, a verify). The WAL is folded
 * in on the way out, and an exclusive lock is then held until released.
 */
export class ExclusiveLock {
  private readonly db: Db;

  private constructor(db: Db) {
    this.db = db;
  }

  static take(file: string): ExclusiveLock {
    const db = openSqlite(file, { timeout: 0 });
    try {
      db.pragma('journal_mode = DELETE');
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      return new ExclusiveLock(db);
    } catch (e) {
      db.close();
      if (String((e as { code?: string }).code).startsWith('SQLITE_BUSY'))
        throw new KbError('DATABASE_IN_USE', { file });
      throw e;
    }
  }

  /** Documents the locked database holds (0 if it has no documents table yet). */
  documents(): number {
    const has = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'documents'").get() !== undefined;
    return has ? count(this.db, 'documents') : 0;
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}
