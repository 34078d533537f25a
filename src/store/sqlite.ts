import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { KbError } from '../errors.js';

export type Db = Database.Database;
export type { Statement } from 'better-sqlite3';

// better-sqlite3 reads this when its native part first loads (at the first
// connection): file: URIs let a database on read-only media be opened
// immutable. Plain paths, which is all this program passes, are unaffected.
process.env.SQLITE_USE_URI ??= '1';

export interface OpenOptions {
  readonly?: boolean;
  /** Milliseconds a writer waits for the lock. */
  timeout?: number;
}

/**
 * Opens a SQLite file. Read-only opens never create or change anything: on
 * a folder this process cannot write, a database with no write-ahead log is
 * opened immutable (SQLite would otherwise need to create its -shm file).
 */
export function openSqlite(file: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false;
  const immutable = () => new Database(`file:${encodeURI(file)}?immutable=1`, { readonly: true, fileMustExist: true });
  try {
    if (readonly && !canWrite(path.dirname(file)) && walBytes(file) === 0) return immutable();
    const db = new Database(file, { readonly, fileMustExist: readonly, timeout: options.timeout ?? 10_000 });
    if (!readonly) return db;
    try {
      // A reader of a WAL database creates the shared-memory file on its first read: on a full disk it cannot.
      db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
      return db;
    } catch (err) {
      db.close();
      const code = String((err as { code?: unknown }).code ?? '');
      // Immutable is safe only with nothing in the write-ahead log (then the file itself is the whole database).
      if (walBytes(file) > 0 || !/^SQLITE_(IOERR|FULL|READONLY|CANTOPEN)/.test(code)) throw err;
      return immutable();
    }
  } catch (err) {
    throw sqliteError(err, file);
  }
}

/** Bytes free for this user on the file system holding `dir` (Infinity when it cannot be told). */
function freeBytes(dir: string): number {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/** Bytes in the database's write-ahead log (0 when it has none). */
function walBytes(file: string): number {
  try {
    return fs.statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A SQLite or file-system failure as the error a person can act on: a full
 * disk, a read-only folder, a damaged database, a busy one. Anything else is
 * passed through (and reported as internal).
 */
export function sqliteError(err: unknown, file: string): unknown {
  if (err instanceof KbError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const detail = err instanceof Error ? err.message : String(err);
  const dir = path.dirname(file);
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC')
    return new KbError('DISK_FULL', { dir, detail }, { cause: err });
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return new KbError('DATA_READ_ONLY', { dir, detail }, { cause: err });
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return new KbError('DATABASE_CORRUPT', { file, detail }, { cause: err });
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new KbError('STORE_LOCKED', { file }, { cause: err });
  if (code.startsWith('SQLITE_CANTOPEN')) return new KbError('DATABASE_UNOPENABLE', { file, detail }, { cause: err });
  if (code.startsWith('SQLITE_IOERR')) {
    // SQLite reports a disk with no room left for its shared-memory or log file as an I/O error.
    if (freeBytes(dir) < 1024 * 1024) return new KbError('DISK_FULL', { dir, detail }, { cause: err });
    return new KbError('DISK_ERROR', { file, detail }, { cause: err });
  }
  return err;
}

/** Runs fn, turning SQLite and file-system failures into their coded errors. */
export function guarded<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw sqliteError(err, file);
  }
}
