import fs from 'node:fs';
import path from 'node:path';

/**
 * The data folder's layout: the one place that names its files. Everything
 * that reads or writes under the folder asks here for the path.
 *
 *   kb.sqlite            the database (the one source of truth), with -wal and -shm
 *   vectors.hnsw         the vector index (derived from the stored vectors)
 *   vectors.json         its manifest, written last
 *   files/<sha256>.<ext> the original files, by content
 *   models/              transformers.js models (unless KB_MODELS_DIR)
 *   serve.pid            written by `kb serve` while it runs
 *   backup.<pid>.lock    written by `kb backup` while it runs
 *   model-check.json     when a model download was last tried, and how it went
 *
 * Temporary files are named `<target>.<pid>.tmp` (or `<target>.<purpose>.<pid>.tmp`),
 * so one left by a process that was killed can be told apart and removed.
 */
export const DATABASE_FILE = 'kb.sqlite';
export const INDEX_FILE = 'vectors.hnsw';
export const MANIFEST_FILE = 'vectors.json';
export const ORIGINALS_DIR = 'files';
export const MODELS_DIR = 'models';
export const SERVE_PID_FILE = 'serve.pid';
export const MODEL_CHECK_FILE = 'model-check.json';

const BACKUP_LOCK = /^backup\.(\d+)\.lock$/;
const TEMP = /\.(\d+)\.tmp$/;

export class DataFolder {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  get database(): string {
    return path.join(this.dir, DATABASE_FILE);
  }

  get index(): string {
    return path.join(this.dir, INDEX_FILE);
  }

  get manifest(): string {
    return path.join(this.dir, MANIFEST_FILE);
  }

  get originals(): string {
    return path.join(this.dir, ORIGINALS_DIR);
  }

  get models(): string {
    return path.join(this.dir, MODELS_DIR);
  }

  get servePid(): string {
    return path.join(this.dir, SERVE_PID_FILE);
  }

  get modelCheck(): string {
    return path.join(this.dir, MODEL_CHECK_FILE);
  }

  /** A temporary name beside `file`, owned by this process. */
  static temp(file: string, purpose?: string): string {
    return `${file}${purpose ? `.${purpose}` : ''}.${process.pid}.tmp`;
  }

  backupLock(pid = process.pid): string {
    return path.join(this.dir, `backup.${pid}.lock`);
  }

  /** Process ids of `kb backup` runs that are using this folder now. */
  runningBackups(): number[] {
    return this.entries(this.dir)
      .map((name) => BACKUP_LOCK.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .filter(isAlive);
  }

  /**
   * Temporary files (and backup locks) left by processes that are no longer
   * running: in the folder itself and among the originals.
   */
  staleFiles(): string[] {
    const out: string[] = [];
    for (const dir of [this.dir, this.originals]) {
      for (const name of this.entries(dir)) {
        const pid = TEMP.exec(name)?.[1] ?? BACKUP_LOCK.exec(name)?.[1];
        if (pid !== undefined && Number(pid) !== process.pid && !isAlive(Number(pid))) out.push(path.join(dir, name));
      }
    }
    return out;
  }

  /** The pid of a `kb serve` using this folder, if one is running. */
  servingPid(): number | null {
    try {
      const pid = Number(fs.readFileSync(this.servePid, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
    } catch {
      return null;
    }
  }

  /** True when this process can create files in the folder (false: read-only or missing, and not creatable). */
  writable(): boolean {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.accessSync(this.dir, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  private entries(dir: string): string[] {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  }
}

/** A process with this id exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
