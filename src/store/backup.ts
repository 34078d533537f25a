import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { KbError } from '../errors.js';
import { INDEX_FILE, MANIFEST_FILE, readManifest } from '../vector/vectors.js';
import { FileStore } from './files.js';
import { SCHEMA_VERSION } from './schema.js';
import { DB_FILE, type Store } from './store.js';

/**
 * Backups: one SQLite file holding a consistent snapshot of the database
 * (VACUUM INTO, which reads one snapshot while writers carry on), the
 * original files the documents came from, and the vector index when it
 * matches the snapshot (so a restore need not rebuild it). Restore checks
 * the file before it changes anything, and keeps the database it replaces.
 */

export const BACKUP_FORMAT = '1';
/** Written by `kb serve` while it runs: a restore under a running server is refused. */
export const SERVE_PID_FILE = 'serve.pid';
const CHUNK = 64 * 1024 * 1024;

export interface BackupReport {
  file: string;
  bytes: number;
  documents: number;
  passages: number;
  originals: number;
  /** Originals not found under data/files (their documents are still backed up). */
  missing_originals: number;
  /** The vector index went in (it matched the snapshot). */
  index: boolean;
  ms: number;
}

export interface RestoreReport {
  file: string;
  data_dir: string;
  documents: number;
  passages: number;
  originals: number;
  index: boolean;
  /** Where the database that was replaced now is, if there was one. */
  kept: string | null;
  ms: number;
}

const count = (db: Database.Database, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function backup(store: Store, dataDir: string, target: string, options: { force?: boolean } = {}): BackupReport {
  const started = performance.now();
  const file = path.resolve(target);
  if (fs.existsSync(file) && !options.force) throw new KbError('BACKUP_EXISTS', { file });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  try {
    store.db.prepare('VACUUM INTO ?').run(tmp);
    const db = new Database(tmp);
    try {
      db.exec(`
        CREATE TABLE backup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE backup_files (sha256 TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (sha256, name));
        CREATE TABLE backup_index (part TEXT NOT NULL, chunk INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (part, chunk));`);
      const files = new FileStore(dataDir);
      const putFile = db.prepare('INSERT OR IGNORE INTO backup_files (sha256, name, data) VALUES (?, ?, ?)');
      let originals = 0;
      let missing = 0;
      const docs = db.prepare('SELECT DISTINCT sha256, file_name FROM documents').all() as { sha256: string; file_name: string }[];
      db.transaction(() => {
        for (const d of docs) {
          const at = files.pathOf(d.sha256, d.file_name);
          if (!fs.existsSync(at)) { missing++; continue; }
          putFile.run(d.sha256, path.basename(at), fs.readFileSync(at));
          originals++;
        }
      })();
      // The index, only if it is exactly the snapshot's (else a restore rebuilds it from the vectors).
      const generation = Number((db.prepare("SELECT value FROM meta WHERE key = 'vectors_generation'").get() as { value: string } | undefined)?.value ?? -1);
      const manifest = readManifest(dataDir);
      let index = false;
      if (manifest && manifest.generation === generation) {
        const bytes = fs.readFileSync(path.join(dataDir, INDEX_FILE));
        const again = readManifest(dataDir);
        if (bytes.length === manifest.bytes && again?.written_at === manifest.written_at) {
          const put = db.prepare('INSERT INTO backup_index (part, chunk, data) VALUES (?, ?, ?)');
          db.transaction(() => {
            for (let i = 0, c = 0; i < bytes.length; i += CHUNK, c++) put.run(INDEX_FILE, c, bytes.subarray(i, i + CHUNK));
            put.run(MANIFEST_FILE, 0, Buffer.from(JSON.stringify(manifest)));
          })();
          index = true;
        }
      }
      const documents = count(db, 'documents');
      const passages = count(db, 'passages');
      const meta = db.prepare('INSERT INTO backup_meta (key, value) VALUES (?, ?)');
      for (const [k, v] of Object.entries({ format: BACKUP_FORMAT, created_at: new Date().toISOString(), documents, passages, originals, index: index ? 1 : 0 })) meta.run(k, String(v));
      const check = db.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new KbError('BACKUP_INVALID', { file, detail: `the new backup failed its integrity check (${String(check)})` });
      db.close();
      fsyncFile(tmp);
      fs.renameSync(tmp, file);
      return { file, bytes: fs.statSync(file).size, documents, passages, originals, missing_originals: missing, index, ms: Math.round(performance.now() - started) };
    } finally {
      if (db.open) db.close();
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The pid of a `kb serve` using this data folder, if one is running. */
export function servingPid(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, SERVE_PID_FILE), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Opens a backup read-only and checks it is whole and one this program can read. */
function checkBackup(file: string): { documents: number; passages: number } {
  if (!fs.existsSync(file)) throw new KbError('FILE_NOT_FOUND', { file });
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new KbError('BACKUP_INVALID', { file, detail: (err as Error).message });
  }
  try {
    const bad = (detail: string) => new KbError('BACKUP_INVALID', { file, detail });
    let check: unknown;
    try {
      check = db.pragma('integrity_check', { simple: true });
    } catch (err) {
      throw bad((err as Error).message);
    }
    if (check !== 'ok') throw bad(`it fails SQLite's integrity check (${String(check)})`);
    const has = (t: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    if (!has('backup_meta') || !has('meta') || !has('documents')) throw bad('it was not written by `kb backup`');
    const meta = new Map((db.prepare('SELECT key, value FROM backup_meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    if (meta.get('format') !== BACKUP_FORMAT) throw bad(`backup format ${meta.get('format')} is not one this program reads`);
    const schema = Number((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value ?? 0);
    if (schema > SCHEMA_VERSION) throw bad(`its database schema (${schema}) is newer than this program's (${SCHEMA_VERSION}): upgrade first`);
    const documents = count(db, 'documents');
    const passages = count(db, 'passages');
    if (String(documents) !== meta.get('documents') || String(passages) !== meta.get('passages')) throw bad('its contents do not match what it says it holds');
    return { documents, passages };
  } finally {
    db.close();
  }
}

/**
 * Restores a backup into a data folder. Nothing is changed until the backup
 * has been checked; a running `kb serve` on the folder, or a folder that
 * already holds documents (without `force`), is refused. The database that
 * is replaced is kept beside it (kb.sqlite.before-restore-<time>).
 */
export function restore(source: string, dataDir: string, options: { force?: boolean } = {}): RestoreReport {
  const started = performance.now();
  const file = path.resolve(source);
  const expected = checkBackup(file);
  const pid = servingPid(dataDir);
  if (pid) throw new KbError('DATA_IN_USE', { pid, dir: dataDir });
  fs.mkdirSync(dataDir, { recursive: true });
  const live = path.join(dataDir, DB_FILE);
  // Held from here until the restored database is in place: no other
  // program has the live one open, and none can open it meanwhile.
  const guard = fs.existsSync(live) ? lockAlone(live) : null;
  try {
    if (guard && !options.force) {
      const hasDocs = guard.prepare("SELECT 1 FROM sqlite_master WHERE name = 'documents'").get() !== undefined;
      const n = hasDocs ? count(guard, 'documents') : 0;
      if (n > 0) throw new KbError('RESTORE_WOULD_REPLACE', { dir: dataDir, documents: n });
    }
    return swapIn(file, dataDir, live, expected, started);
  } finally {
    guard?.close();
  }
}

/**
 * Opens a database only if no other connection has it: every connection to
 * a WAL database holds a shared lock on it, so leaving WAL mode fails while
 * any other is open (a `kb serve`, an ingest, a verify). The WAL is folded
 * in on the way out, and an exclusive lock is then held until closed.
 */
function lockAlone(file: string): Database.Database {
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new KbError('DATABASE_IN_USE', { file });
    throw e;
  }
}

function swapIn(file: string, dataDir: string, live: string, expected: { documents: number; passages: number }, started: number): RestoreReport {
  const tmp = path.join(dataDir, `${DB_FILE}.restore.${process.pid}.tmp`);
  const indexTmp = path.join(dataDir, `${INDEX_FILE}.restore.${process.pid}.tmp`);
  try {
    fs.copyFileSync(file, tmp);
    const db = new Database(tmp);
    let originals = 0;
    let manifest: string | null = null;
    try {
      const files = new FileStore(dataDir);
      for (const row of db.prepare('SELECT sha256, name, data FROM backup_files').iterate() as IterableIterator<{ sha256: string; name: string; data: Buffer }>) {
        files.put(row.sha256, row.name, row.data);
        originals++;
      }
      const chunks = db.prepare('SELECT data FROM backup_index WHERE part = ? ORDER BY chunk').pluck().all(INDEX_FILE) as Buffer[];
      if (chunks.length) {
        fs.writeFileSync(indexTmp, Buffer.concat(chunks));
        manifest = (db.prepare('SELECT data FROM backup_index WHERE part = ?').pluck().get(MANIFEST_FILE) as Buffer | undefined)?.toString('utf8') ?? null;
      }
      db.exec('DROP TABLE backup_files; DROP TABLE backup_index; DROP TABLE backup_meta;');
      db.exec('VACUUM');
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
    fsyncFile(tmp);
    // Keep what is being replaced, whole (its write-ahead log was folded in when it was locked).
    let kept: string | null = null;
    if (fs.existsSync(live)) {
      kept = `${live}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(live, kept);
    }
    for (const suffix of ['-wal', '-shm']) fs.rmSync(live + suffix, { force: true });
    fs.renameSync(tmp, live);
    // The index: the backup's, manifest last; or none, and the next open rebuilds it from the vectors.
    fs.rmSync(path.join(dataDir, MANIFEST_FILE), { force: true });
    fs.rmSync(path.join(dataDir, INDEX_FILE), { force: true });
    if (manifest && fs.existsSync(indexTmp)) {
      fs.renameSync(indexTmp, path.join(dataDir, INDEX_FILE));
      fs.writeFileSync(path.join(dataDir, MANIFEST_FILE), manifest);
    }
    return { file, data_dir: dataDir, ...expected, originals, index: manifest !== null, kept, ms: Math.round(performance.now() - started) };
  } finally {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(indexTmp, { force: true });
  }
}
