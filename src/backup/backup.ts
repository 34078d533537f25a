import fs from 'node:fs';
import path from 'node:path';
import { DataFolder } from '../data-folder.js';
import { KbError } from '../errors.js';
import { BackupWriter } from '../store/backup-file.js';
import { Store } from '../store/store.js';
import { readManifest } from '../vector/manifest.js';

export interface BackupReport {
  file: string;
  bytes: number;
  documents: number;
  passages: number;
  originals: number;
  /** Originals the snapshot's documents need that were not on disk (their documents are still backed up). */
  missing_originals: number;
  /** The vector index went in (it matched the snapshot). */
  index: boolean;
  ms: number;
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes one backup file: a consistent snapshot of the database (one read
 * transaction; writers carry on), every original file that snapshot names,
 * and the vector index when it is exactly the snapshot's (else a restore
 * rebuilds it). While it runs, a lock file in the data folder keeps deletes
 * from removing originals (they are released, and swept afterwards), so
 * every original the snapshot names is still there to copy.
 */
export function backup(store: Store, target: string, options: { force?: boolean } = {}): BackupReport {
  const started = performance.now();
  const folder = store.folder;
  const file = path.resolve(target);
  if (fs.existsSync(file) && !options.force) throw new KbError('BACKUP_EXISTS', { file });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = DataFolder.temp(file);
  const lock = folder.backupLock();
  fs.rmSync(tmp, { force: true });
  let locked = false;
  try {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      locked = true;
    } catch {
      // A read-only data folder: nothing can delete originals meanwhile either.
    }
    store.snapshotTo(tmp);
    const writer = new BackupWriter(tmp);
    try {
      const needed = writer.originalsNeeded();
      let missing = 0;
      const present = function* () {
        for (const d of needed) {
          const data = store.originals.read(d.sha256, d.file_name);
          if (data === null) missing++;
          else yield { sha256: d.sha256, fileName: d.file_name, data };
        }
      };
      const originals = writer.addOriginals(present());
      const index = addIndexIfCurrent(writer, folder);
      const { documents, passages } = writer.finish({ originals, index });
      writer.close();
      fsyncFile(tmp);
      fs.renameSync(tmp, file);
      return {
        file,
        bytes: fs.statSync(file).size,
        documents,
        passages,
        originals,
        missing_originals: missing,
        index,
        ms: Math.round(performance.now() - started),
      };
    } finally {
      writer.close();
    }
  } finally {
    fs.rmSync(tmp, { force: true });
    if (locked) {
      fs.rmSync(lock, { force: true });
      sweepAfter(store);
    }
  }
}

/** Deletes during the backup left their originals for it: now they go (unless another backup runs). */
function sweepAfter(store: Store): void {
  if (!store.readonly) {
    store.sweepOriginals();
    return;
  }
  const writer = Store.open(store.folder.dir);
  try {
    writer.sweepOriginals();
  } finally {
    writer.close();
  }
}

/**
 * The index goes in only if its manifest says it reflects exactly the snapshot, and the file did not change while it
 * was read.
 */
function addIndexIfCurrent(writer: BackupWriter, folder: DataFolder): boolean {
  const manifest = readManifest(folder.dir);
  if (!manifest || manifest.generation !== writer.vectorsGeneration()) return false;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(folder.index);
  } catch {
    return false;
  }
  const again = readManifest(folder.dir);
  if (bytes.length !== manifest.bytes || again?.written_at !== manifest.written_at) return false;
  writer.addIndex([
    { name: path.basename(folder.index), data: bytes },
    { name: path.basename(folder.manifest), data: Buffer.from(JSON.stringify(manifest)) },
  ]);
  return true;
}
