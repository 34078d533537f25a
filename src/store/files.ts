import fs from 'node:fs';
import path from 'node:path';

/**
 * The original files, kept under the data dir by content hash so that
 * `GET /api/documents/:id/raw` can serve them. Names are generated
 * (sha256 + a known extension), never taken from the input.
 */
export class FileStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'files');
  }

  static extension(fileName: string): string {
    const ext = path.extname(fileName).toLowerCase();
    return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '.bin';
  }

  pathOf(sha256: string, fileName: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.dir, sha256 + FileStore.extension(fileName));
  }

  /** Writes the bytes once (temp file, then rename); a second put of the same content is free. */
  put(sha256: string, fileName: string, bytes: Uint8Array): string {
    const target = this.pathOf(sha256, fileName);
    if (fs.existsSync(target)) return target;
    fs.mkdirSync(this.dir, { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temp, bytes);
    fs.renameSync(temp, target);
    return target;
  }

  remove(sha256: string, fileName: string): void {
    fs.rmSync(this.pathOf(sha256, fileName), { force: true });
  }
}
