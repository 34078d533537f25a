import fs from 'node:fs';
import { DataFolder } from '../data-folder.js';
import type { Duplicates } from './hnsw-index.js';

/** The small file written beside the index, last, that says what the index holds. */
export interface Manifest {
  format: 1;
  embedder: string;
  dim: number;
  count: number;
  /** The database's vectors generation the index reflects. */
  generation: number;
  /** Size of the index file, to notice a truncated or replaced file without reading it. */
  bytes: number;
  written_at: string;
  /** Ids whose vectors are identical to a point of the graph, by that point's id (see HnswIndex). */
  duplicates?: Duplicates;
}

/** The manifest of the index saved in a data folder, or null when it is missing or unreadable. */
export function readManifest(dataDir: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(new DataFolder(dataDir).manifest, 'utf8')) as Manifest;
    return m.format === 1 && typeof m.embedder === 'string' && Number.isInteger(m.dim) ? m : null;
  } catch {
    return null;
  }
}

/** Writes the manifest atomically (temp file, then rename). */
export function writeManifest(dataDir: string, manifest: Manifest): void {
  const file = new DataFolder(dataDir).manifest;
  const temp = DataFolder.temp(file);
  fs.writeFileSync(temp, JSON.stringify(manifest, null, 2));
  fs.renameSync(temp, file);
}

/**
 * Why the saved index cannot be used for this embedder as it stands (null:
 * it can, perhaps after catching up): missing, unreadable, cut short,
 * another embedder's, another dimension.
 */
export function manifestProblem(dataDir: string, embedder: string, dim: number): string | null {
  const file = new DataFolder(dataDir).index;
  if (!fs.existsSync(file)) return 'the index file is missing';
  const manifest = readManifest(dataDir);
  if (!manifest) return 'the manifest is missing or unreadable';
  const size = fs.statSync(file).size;
  if (manifest.bytes !== size) return `the index file is ${size} bytes, the manifest says ${manifest.bytes}`;
  if (manifest.embedder !== embedder) return `the index was built by ${manifest.embedder}, not ${embedder}`;
  if (manifest.dim !== dim) return `the index has ${manifest.dim} dimensions, not ${dim}`;
  return null;
}
