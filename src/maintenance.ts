import fs from 'node:fs';
import type { Embeddings } from './embed/embeddings.js';
import type { Logger } from './log.js';
import type { RecordedEmbedder } from './store/meta.js';
import type { Store } from './store/store.js';
import { checkIndexFile } from './vector/index-check.js';
import type { IndexKeeper, IndexState } from './vector/index-keeper.js';

export interface VerifyReport {
  ok: boolean;
  problems: string[];
  /** Checks that could not run here, and why (a read-only folder, a full disk). */
  skipped: string[];
  /** What --repair removed or rebuilt. */
  repaired: string[];
  embedder: RecordedEmbedder | null;
  index: IndexState;
}

/**
 * Removes what stopped processes left in the data folder (temporary files,
 * backup locks) and originals no document needs. Returns what went.
 */
export function removeStaleFiles(store: Store, log: Logger): string[] {
  const stale = store.folder.staleFiles();
  for (const f of stale) fs.rmSync(f, { force: true });
  if (stale.length) log.info(`removed ${stale.length} temporary files left by stopped processes`);
  const swept = store.sweepOriginals({ orphans: true });
  if (swept.length) log.info(`removed ${swept.length} original files no document needs`);
  return [...stale, ...swept];
}

/**
 * Checks that the database, the full-text index, the vectors, the index
 * file and the originals agree, and that no stopped process left files
 * behind. With `repair` (the knowledge base open for writing), first removes
 * those files and unneeded originals, embeds what lacks a vector (`refresh`)
 * and rebuilds an index file that disagrees; then checks.
 */
export async function verify(
  parts: { store: Store; embeddings: Embeddings; index: IndexKeeper; log: Logger; refresh: () => Promise<unknown> },
  repair: boolean,
): Promise<VerifyReport> {
  const { store, embeddings, index } = parts;
  const repaired: string[] = [];
  if (repair) {
    repaired.push(...removeStaleFiles(store, parts.log).map((f) => `removed ${f}`));
    await parts.refresh();
    const fileProblems = checkIndexFile(store);
    if (fileProblems.length) {
      index.rebuild(`kb verify --repair: ${fileProblems[0]}`);
      repaired.push('rebuilt the vector index');
    }
  }
  const problems = [...store.check()];
  if (!problems.some((p) => p.startsWith('database:'))) {
    problems.push(...embeddings.problems(), ...checkIndexFile(store));
    const originals = store.originals.check(store.documents.originals);
    for (const m of originals.missing) problems.push(`originals: the original of a document is missing (${m.name})`);
    if (originals.orphans.length) {
      problems.push(`originals: ${originals.orphans.length} files no document needs (e.g. ${originals.orphans[0]})`);
    }
    const stale = store.folder.staleFiles();
    if (stale.length)
      problems.push(`files: ${stale.length} temporary files left by stopped processes (e.g. ${stale[0]})`);
  }
  const skipped = [...store.skippedChecks];
  return {
    ok: problems.length === 0,
    problems,
    skipped,
    repaired,
    embedder: store.meta.embedder(),
    index: index.state(),
  };
}
