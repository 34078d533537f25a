import { originalName } from './originals.js';
import type { Db, Statement } from './sqlite.js';

/** An original file on disk named by its content: `<sha256>.<ext>`. */
export interface OriginalRef {
  sha256: string;
  name: string;
}

/**
 * What the database knows about the original files: which ones the stored
 * documents need, and which ones a delete or a replacement released (in the
 * same transaction) for the sweep to remove from disk later.
 */
export class OriginalRows {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      release: p('INSERT OR IGNORE INTO released_files (name, sha256, released_at) VALUES (?, ?, ?)'),
      unrelease: p('DELETE FROM released_files WHERE name = ?'),
      released: p('SELECT sha256, name FROM released_files ORDER BY released_at, name'),
      referenced: p('SELECT DISTINCT sha256, file_name FROM documents WHERE has_original = 1'),
      expected: p('SELECT DISTINCT sha256, file_name, bytes FROM documents WHERE has_original = 1'),
      inUse: p('SELECT file_name FROM documents WHERE sha256 = ? AND has_original = 1').pluck(),
    };
  }

  /** Records that no document may need this original any more (removed from disk later: see Originals.sweep). */
  release(sha256: string, fileName: string, now: string): void {
    this.s.release!.run(originalName(sha256, fileName), sha256, now);
  }

  /** An original taken into use again is no longer released. */
  keep(sha256: string, fileName: string): void {
    this.s.unrelease!.run(originalName(sha256, fileName));
  }

  /** Originals released by deletes and replacements, oldest first. */
  released(): OriginalRef[] {
    return this.s.released!.all() as OriginalRef[];
  }

  forget(name: string): void {
    this.s.unrelease!.run(name);
  }

  /** True when some stored document's original is the file `name` (of these bytes). */
  inUse(ref: OriginalRef): boolean {
    return (this.s.inUse!.all(ref.sha256) as string[]).some(
      (fileName) => originalName(ref.sha256, fileName) === ref.name,
    );
  }

  /** Every original file the stored documents need, by name. */
  referenced(): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.s.referenced!.all() as { sha256: string; file_name: string }[]) {
      out.set(originalName(r.sha256, r.file_name), r.sha256);
    }
    return out;
  }

  /** The originals the stored documents need, with the size each must have. */
  expected(): { sha256: string; file_name: string; bytes: number }[] {
    return this.s.expected!.all() as { sha256: string; file_name: string; bytes: number }[];
  }
}
