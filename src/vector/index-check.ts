import fs from 'node:fs';
import type { Store } from '../store/store.js';
import { HnswIndex } from './hnsw-index.js';
import { manifestProblem, readManifest } from './manifest.js';

/**
 * Checks the index as saved on disk against the database (for `kb
 * verify`): the manifest names the active embedder and the database's
 * generation, and the file's live labels are exactly the stored vectors.
 * Reads the file afresh; changes nothing.
 */
export function checkIndexFile(store: Store): string[] {
  const folder = store.folder;
  const recorded = store.meta.embedder();
  if (!recorded) return fs.existsSync(folder.index) ? ['index: an index file exists but no vectors are stored'] : [];
  const problem = manifestProblem(folder.dir, recorded.id, recorded.dim);
  if (problem) return [`index: ${problem}`];
  const problems: string[] = [];
  const manifest = readManifest(folder.dir)!;
  const generation = store.meta.vectorsGeneration();
  if (manifest.generation !== generation) {
    problems.push(`index: the manifest reflects generation ${manifest.generation}, the database is at ${generation}`);
  }
  const live = store.embeddings.liveIds(recorded.id);
  const onDisk = HnswIndex.liveLabels(folder.index, recorded.dim, manifest.duplicates);
  const missing = [...live].filter((id) => !onDisk.has(id));
  const stale = [...onDisk].filter((id) => !live.has(id));
  if (missing.length) {
    problems.push(`index: ${missing.length} stored vectors are not in the index (e.g. passage ${missing[0]})`);
  }
  if (stale.length)
    problems.push(`index: ${stale.length} labels point at passages that have no vector (e.g. ${stale[0]})`);
  if (manifest.count !== onDisk.size) {
    problems.push(`index: the manifest counts ${manifest.count} vectors, the file holds ${onDisk.size}`);
  }
  return problems;
}
