import fs from 'node:fs';
import path from 'node:path';
import { DataFolder } from '../data-folder.js';
import { KbError } from '../errors.js';
import { BackupReader, checkBackup, ExclusiveLock } from '../store/backup-file.js';
import { Originals } from '../store/originals.js';

export interface RestoreReport {
  file: string;
  data_dir: string;
  documents: number;
  passages: number;
  originals: number;
  /** Originals the backup's documents need that it does not hold. */
  missing_originals: number;
  index: boolean;
  /** Where the database that was replaced now is, if there was one. */
  kept: string | null;
  ms: number;
}

/**
 * Restores a backup into a data folder. Nothing is changed until the backup
 * has been checked; a running `kb serve` on the folder, any other program
 * with the database open, or a folder that already holds documents (without
 * `force`) is refused. The database that is replaced is kept beside it
 * (kb.sqlite.before-restore-<time>).
 */
export function restore(source: string, dataDir: string, options: { force?: boolean } = {}): RestoreReport {
  const started = performance.now();
  const file = path.resolve(source);
  const folder = new DataFolder(dataDir);
  const contents = checkBackup(file);
  const pid = folder.servingPid();
  if (pid) throw new KbError('DATA_IN_USE', { pid, dir: folder.dir });
  fs.mkdirSync(folder.dir, { recursive: true });
  const live = folder.database;
  // Held from here until the restored database is in place: no other
  // program has the live one open, and none can open it meanwhile.
  const lock = fs.existsSync(live) ? ExclusiveLock.take(live) : null;
  try {
    if (lock && !options.force) {
      const n = lock.documents();
      if (n > 0) throw new KbError('RESTORE_WOULD_REPLACE', { dir: folder.dir, documents: n });
    }
    return swapIn(file, folder, contents, started);
  } finally {
    lock?.release();
  }
}

function swapIn(
  file: string,
  folder: DataFolder,
  contents: ReturnType<typeof checkBackup>,
  started: number,
): RestoreReport {
  const live = folder.database;
  const tmp = DataFolder.temp(live, 'restore');
  const indexTmp = DataFolder.temp(folder.index, 'restore');
  try {
    fs.copyFileSync(file, tmp);
    const reader = new BackupReader(tmp);
    let originals = 0;
    let manifest: Buffer | null = null;
    try {
      const store = new Originals(folder.dir);
      for (const row of reader.originals()) {
        store.put(row.sha256, row.name, row.data);
        originals++;
      }
      const index = reader.indexPart(path.basename(folder.index));
      if (index) {
        fs.writeFileSync(indexTmp, index);
        manifest = reader.indexPart(path.basename(folder.manifest));
      }
      reader.toDatabase();
    } finally {
      reader.close();
    }
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    // Keep what is being replaced, whole (its write-ahead log was folded in when it was locked).
    let kept: string | null = null;
    if (fs.existsSync(live)) {
      kept = `${live}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(live, kept);
    }
    for (const suffix of ['-wal', '-shm']) fs.rmSync(live + suffix, { force: true });
    fs.renameSync(tmp, live);
    // The index: the backup's, manifest last; or none, and the next open rebuilds it from the vectors.
    fs.rmSync(folder.manifest, { force: true });
    fs.rmSync(folder.index, { force: true });
    if (manifest && fs.existsSync(indexTmp)) {
      fs.renameSync(indexTmp, folder.index);
      fs.writeFileSync(folder.manifest, manifest);
    }
    return {
      file,
      data_dir: folder.dir,
      documents: contents.documents,
      passages: contents.passages,
      originals,
      missing_originals: contents.missingOriginals.length,
      index: manifest !== null,
      kept,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(indexTmp, { force: true });
  }
}
