import fs from 'node:fs';
import path from 'node:path';
import { DataFolder } from '../data-folder.js';
import type { OriginalRows } from './original-rows.js';
import { guarded } from './sqlite.js';

/** The extension an original is stored under: the file name's, if it is a plain one, else .bin. */
export function originalExtension(fileName: string): string {
  const ext = path.extname(fileName).toLowerCase();
  return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '.bin';
}

/** The name an original is stored under: its sha256 and its extension. */
export function originalName(sha256: string, fileName: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return sha256 + originalExtension(fileName);
}

export interface OriginalsCheck {
  /** Documents whose original is not on disk, or not the size recorded. */
  missing: { sha256: string; name: string }[];
  /** Files under files/ no document needs (a delete's leftovers, a write that did not commit). */
  orphans: string[];
}

/**
 * The original files, kept under the data folder by content hash so that
 * `GET /api/documents/:id/raw` can serve them. Names are generated (sha256 +
 * a known extension), never taken from the input. The one owner of the
 * originals on disk.
 *
 * Lifecycle: an original is written inside the transaction that stores its
 * document; a delete or replacement only records it as released, in the
 * same transaction. `sweep` removes released and orphaned files later, under
 * the write lock and never while a `kb backup` is running, so a backup finds
 * every original its snapshot names and a crash leaves nothing for good.
 */
export class Originals {
  readonly dir: string;
  private readonly folder: DataFolder;

  constructor(dataDir: string) {
    this.folder = new DataFolder(dataDir);
    this.dir = this.folder.originals;
  }

  pathOf(sha256: string, fileName: string): string {
    return path.join(this.dir, originalName(sha256, fileName));
  }

  /**
   * Writes the bytes once (temp file, then rename); a second put of the same content is free. Call inside the write
   * transaction.
   */
  put(sha256: string, fileName: string, bytes: Uint8Array): string {
    const target = this.pathOf(sha256, fileName);
    return guarded(target, () => {
      if (fs.existsSync(target)) return target;
      fs.mkdirSync(this.dir, { recursive: true });
      const temp = DataFolder.temp(target);
      fs.writeFileSync(temp, bytes);
      fs.renameSync(temp, target);
      return target;
    });
  }

  /** The original's bytes, or null when it is not on disk. */
  read(sha256: string, fileName: string): Buffer | null {
    try {
      return fs.readFileSync(this.pathOf(sha256, fileName));
    } catch {
      return null;
    }
  }

  exists(sha256: string, fileName: string): boolean {
    return fs.existsSync(this.pathOf(sha256, fileName));
  }

  /** Names of the files on disk. */
  onDisk(): string[] {
    try {
      return fs.readdirSync(this.dir).filter((n) => !n.endsWith('.tmp'));
    } catch {
      return [];
    }
  }

  /**
   * Removes released originals no document needs, and (with `orphans`) any
   * file no document needs. `inWriteLock` runs a function under the database
   * write lock. Nothing is removed while a backup of this folder runs.
   * Returns the files removed.
   */
  sweep(rows: OriginalRows, inWriteLock: <T>(fn: () => T) => T, options: { orphans?: boolean } = {}): string[] {
    if (!options.orphans && rows.released().length === 0) return [];
    return inWriteLock(() => {
      const released = rows.released();
      if (this.folder.runningBackups().length) return [];
      const removed: string[] = [];
      for (const ref of released) {
        if (!rows.inUse(ref)) {
          fs.rmSync(path.join(this.dir, ref.name), { force: true });
          removed.push(ref.name);
        }
        rows.forget(ref.name);
      }
      if (options.orphans) {
        const needed = rows.referenced();
        for (const name of this.onDisk()) {
          if (!needed.has(name)) {
            fs.rmSync(path.join(this.dir, name), { force: true });
            removed.push(name);
          }
        }
      }
      return removed;
    });
  }

  /** Every document's original is on disk, and nothing else is (for `kb verify`). */
  check(rows: OriginalRows): OriginalsCheck {
    const missing: OriginalsCheck['missing'] = [];
    for (const d of rows.expected()) {
      const file = this.pathOf(d.sha256, d.file_name);
      let size = -1;
      try {
        size = fs.statSync(file).size;
      } catch {
        // missing
      }
      if (size !== d.bytes) missing.push({ sha256: d.sha256, name: path.basename(file) });
    }
    const needed = rows.referenced();
    const released = new Set(rows.released().map((r) => r.name));
    const orphans = this.onDisk().filter((name) => !needed.has(name) && !released.has(name));
    return { missing, orphans };
  }
}
