import fs from 'node:fs';
import type { Logger } from '../src/log.js';
import type { Store } from '../src/store/store.js';
import type { IngestResult } from './results.js';
import { expandPaths, sourceIdForPath } from './walk.js';

/** What a watch needs of the knowledge base: its writes, and its store to know what is there. */
export interface Watched {
  store: Store;
  ingest(paths: string[]): Promise<{ results: IngestResult[] }>;
  delete(ids: number[]): Promise<{ deleted: { id: number; title: string }[] }>;
}

export interface WatchOptions {
  intervalMs: number;
  /** A file is read once its size and time have stayed the same this long. */
  settleMs: number;
  /** Delete the documents of files that are no longer in the folders. */
  deleteMissing: boolean;
  log: Logger;
  /** Told of every result, as it comes. */
  onResults?: (results: IngestResult[]) => void;
}

interface Seen {
  size: number;
  mtimeMs: number;
  /** When the size and time were first seen as they are now. */
  since: number;
  /** Read as it is now (or found unchanged). */
  done: boolean;
}

/** One line for the log: what happened to a file. Pure. */
export function watchLine(file: string, r: IngestResult): string {
  if (r.status === 'failed' || r.status === 'skipped') return `${r.status} ${file}: ${r.error?.message ?? ''}`;
  return `${r.status} [${r.document_id}] ${r.title} (${r.passages} passages) from ${file}`;
}

/**
 * Watches folders for documents dropped into them: it looks every interval,
 * and reads a new or changed file once its size and time have not changed
 * for the settle time (a file still being copied is left until it is whole).
 * Reading is idempotent by content, so a restart reads nothing twice; a file
 * removed is deleted from the knowledge base only when asked.
 */
export class FolderWatch {
  private readonly seen = new Map<string, Seen>();
  /** Documents read from each file during this run (e-mails are known by Message-ID, not by path). */
  private readonly documents = new Map<string, number[]>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly kb: Watched,
    private readonly dirs: string[],
    private readonly options: WatchOptions,
  ) {}

  /** Looks now, then every interval until stopped. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.scanning = this.scan()
        .catch((err) => this.options.log.error(`watch: ${(err as Error).message}`))
        .finally(() => {
          this.scanning = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.options.log.info(`watching ${this.dirs.join(', ')} (every ${this.options.intervalMs} ms)`);
    tick();
  }

  /** Stops looking, after the file being read (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
  }

  /** One look: read the files that have settled, and (when asked) delete the documents of files gone. */
  async scan(now = Date.now()): Promise<void> {
    const missing = this.dirs.filter((d) => !fs.existsSync(d));
    for (const d of missing) this.options.log.warn(`watch: ${d} does not exist (yet)`);
    const { files } = expandPaths(this.dirs.filter((d) => !missing.includes(d)));
    const present = new Set<string>();
    for (const file of files) {
      if (this.stopped) return;
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        continue; // gone between the listing and now
      }
      present.add(file);
      const before = this.seen.get(file);
      const same = before && before.size === stat.size && before.mtimeMs === stat.mtimeMs;
      if (!same) {
        this.seen.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, since: now, done: false });
        if (this.options.settleMs > 0) continue;
      }
      const entry = this.seen.get(file)!;
      if (entry.done || now - entry.since < this.options.settleMs) continue;
      await this.read(file);
      entry.done = true;
    }
    for (const file of [...this.seen.keys()]) if (!present.has(file)) this.seen.delete(file);
    if (this.options.deleteMissing && !missing.length) await this.deleteMissing(present);
  }

  private async read(file: string): Promise<void> {
    const { results } = await this.kb.ingest([file]);
    this.documents.set(
      file,
      results.filter((r) => r.document_id !== null && r.parent_id === undefined).map((r) => r.document_id!),
    );
    for (const r of results) {
      const line = watchLine(file, r);
      if (r.status === 'failed') this.options.log.warn(line);
      else this.options.log.info(line);
    }
    this.options.onResults?.(results);
  }

  /** Documents of files no longer in the folders: those known by their path, and those read during this run. */
  private async deleteMissing(present: Set<string>): Promise<void> {
    const presentIds = new Set([...present].map(sourceIdForPath));
    const gone = new Map<number, string>();
    for (const dir of this.dirs) {
      const prefix = `${sourceIdForPath(dir)}/`;
      for (const d of this.kb.store.read(() => this.kb.store.documents.under(prefix)))
        if (!presentIds.has(d.source_id.split('#')[0]!)) gone.set(d.id, d.source_id);
    }
    for (const [file, ids] of this.documents)
      if (!present.has(file)) {
        for (const id of ids) gone.set(id, file);
        this.documents.delete(file);
      }
    if (!gone.size) return;
    const { deleted } = await this.kb.delete([...gone.keys()]);
    for (const d of deleted)
      this.options.log.info(`deleted [${d.id}] ${d.title}: ${gone.get(d.id) ?? 'its file'} is gone`);
  }
}
