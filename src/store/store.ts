import fs from 'node:fs';
import { DataFolder } from '../data-folder.js';
import { KbError } from '../errors.js';
import { checkDatabase, checkFts } from './checks.js';
import { Documents } from './documents.js';
import { Listing } from './listing.js';
import { EmbeddingRows } from './embedding-rows.js';
import { ImpactRows } from './impact-rows.js';
import { Meta, readSchemaVersion, writeSchemaVersion } from './meta.js';
import { Originals } from './originals.js';
import { PassageReads } from './passage-reads.js';
import { Vocabulary } from './vocabulary.js';
import { WebFetches } from './web-fetches.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { guarded, openSqlite, sqliteError, type Db } from './sqlite.js';
import type { StoreStats } from './types.js';

export interface StoreOpenOptions {
  /**
   * Open for reading only: nothing is created or changed (a missing database is an empty one only if it can be
   * created).
   */
  readonly?: boolean;
}

/**
 * The SQLite store: the one source of truth for documents, their text,
 * passages (with the FTS5 index kept in sync by triggers) and vectors. It
 * owns the connection and every SQL statement, in parts by job: `documents`
 * (the write side and document reads), `passages` (the read side of search),
 * `embeddings` (vectors and the built-in embedder's fits), `meta` (typed
 * settings), and the originals on disk (`originals`). Every write that
 * touches more than one row runs in one transaction.
 */
export class Store {
  readonly file: string;
  readonly folder: DataFolder;
  readonly readonly: boolean;
  readonly meta: Meta;
  readonly documents: Documents;
  readonly listing: Listing;
  readonly passages: PassageReads;
  readonly embeddings: EmbeddingRows;
  readonly originals: Originals;
  readonly vocabulary: Vocabulary;
  readonly webFetches: WebFetches;
  readonly impacts: ImpactRows;
  private readonly db: Db;

  private constructor(db: Db, folder: DataFolder, readonly: boolean) {
    this.db = db;
    this.folder = folder;
    this.file = folder.database;
    this.readonly = readonly;
    this.meta = new Meta(db);
    this.vocabulary = new Vocabulary(db);
    this.documents = new Documents(db, this.vocabulary);
    this.listing = new Listing(db);
    this.passages = new PassageReads(db);
    this.embeddings = new EmbeddingRows(db);
    this.originals = new Originals(folder.dir);
    this.webFetches = new WebFetches(db);
    this.impacts = new ImpactRows(db);
  }

  static open(dataDir: string, options: StoreOpenOptions = {}): Store {
    const folder = new DataFolder(dataDir);
    const file = folder.database;
    if (options.readonly && fs.existsSync(file)) return Store.openReadonly(folder);
    if (options.readonly && !folder.writable()) throw new KbError('NO_KNOWLEDGE_BASE', { dir: folder.dir });
    return Store.openWritable(folder, options.readonly ?? false);
  }

  private static openWritable(folder: DataFolder, thenReadonly: boolean): Store {
    guarded(folder.database, () => fs.mkdirSync(folder.dir, { recursive: true }));
    const db = openSqlite(folder.database);
    try {
      guarded(folder.database, () => {
        if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db, folder.database);
      });
    } catch (err) {
      db.close();
      throw err;
    }
    if (!thenReadonly) return new Store(db, folder, false);
    db.close();
    return Store.openReadonly(folder);
  }

  private static openReadonly(folder: DataFolder): Store {
    const db = openSqlite(folder.database, { readonly: true });
    try {
      const version = guarded(folder.database, () => readSchemaVersion(db));
      if (version > SCHEMA_VERSION)
        throw new KbError('STORE_SCHEMA_TOO_NEW', { file: folder.database, found: version, supported: SCHEMA_VERSION });
      if (version < SCHEMA_VERSION) {
        // An older database is upgraded once (a write), then read as usual.
        db.close();
        if (!folder.writable())
          throw new KbError('SCHEMA_NEEDS_UPGRADE', {
            file: folder.database,
            found: version,
            supported: SCHEMA_VERSION,
          });
        return Store.openWritable(folder, true);
      }
      db.pragma('foreign_keys = ON');
      return new Store(db, folder, true);
    } catch (err) {
      if (db.open) db.close();
      throw err;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /**
   * Runs fn in one IMMEDIATE transaction (the writer lock taken up front); SQLite and disk failures become coded
   * errors.
   */
  transaction<T>(fn: () => T): T {
    if (this.readonly) throw new KbError('DATA_READ_ONLY', { dir: this.folder.dir, detail: 'opened for reading' });
    try {
      return guarded(this.file, () => this.db.transaction(fn).immediate());
    } catch (err) {
      this.vocabulary.forget(); // words it added are not stored after all
      throw err;
    }
  }

  /** Runs a read, turning SQLite and disk failures into coded errors. */
  read<T>(fn: () => T): T {
    return guarded(this.file, fn);
  }

  /**
   * Runs reads in one read transaction: they see one state of the database,
   * whatever writers do meanwhile (or plainly, when a statement of this
   * connection is still being read and none can begin).
   */
  snapshot<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.read(fn);
    let began = false;
    try {
      return guarded(this.file, () =>
        this.db
          .transaction(() => {
            began = true;
            return fn();
          })
          .deferred(),
      );
    } catch (err) {
      // A statement still being read (an iteration in progress) means no transaction can begin: read without.
      if (!began && err instanceof TypeError && /busy/.test(err.message)) return this.read(fn);
      throw err;
    }
  }

  /** Consistency of the database on its own (see checks.ts); a damaged file is reported, not thrown. */
  check(): string[] {
    try {
      return checkDatabase(this.db, () => this.checkFts());
    } catch (err) {
      const e = sqliteError(err, this.file);
      if (e instanceof KbError) return [`database: ${e.message}`];
      throw err;
    }
  }

  /** Checks that could not run (a read-only folder, a full disk), with why: said, never silently left out. */
  readonly skippedChecks: string[] = [];

  /** Opened for reading, the FTS check runs on a second, writable connection if it can (the check writes nothing). */
  private checkFts(): void {
    if (!this.readonly) return checkFts(this.db);
    if (!this.folder.writable()) {
      this.skippedChecks.push('fts: not checked (the data folder is read-only)');
      return;
    }
    try {
      const rw = openSqlite(this.file, { timeout: 10_000 });
      try {
        checkFts(rw);
      } finally {
        rw.close();
      }
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      if (!/^SQLITE_(IOERR|FULL|READONLY|CANTOPEN)/.test(code) && !(err instanceof KbError)) throw err;
      this.skippedChecks.push(`fts: not checked (${(err as Error).message})`);
    }
  }

  stats(): StoreStats {
    return this.read(() => this.listing.stats());
  }

  /** Writes a consistent copy of the whole database to `file` (VACUUM INTO: one read snapshot; writers carry on). */
  snapshotTo(file: string): void {
    guarded(file, () => this.db.prepare('VACUUM INTO ?').run(file));
  }

  /** Removes originals no document needs any more (see Originals.sweep). */
  sweepOriginals(options: { orphans?: boolean } = {}): string[] {
    if (this.readonly) return [];
    return this.originals.sweep(this.documents.originals, (fn) => this.transaction(fn), options);
  }
}

function migrate(db: Db, file: string): void {
  const current = readSchemaVersion(db);
  if (current > SCHEMA_VERSION)
    throw new KbError('STORE_SCHEMA_TOO_NEW', { file, found: current, supported: SCHEMA_VERSION });
  // One step per IMMEDIATE transaction, the version read again inside it: two programs opening a new or old
  // database at once each take the next step only if the other has not taken it already.
  for (;;) {
    const done = db
      .transaction(() => {
        const v = readSchemaVersion(db);
        if (v >= SCHEMA_VERSION) return true;
        const step = MIGRATIONS[v]!;
        if (typeof step === 'string') db.exec(step);
        else step(db);
        writeSchemaVersion(db, v + 1);
        return false;
      })
      .immediate();
    if (done) return;
  }
}
