import fs from 'node:fs';
import path from 'node:path';
import { isSupportedPath } from './loaders/index.js';

/**
 * Expands the paths given on the command line into files: files as given,
 * folders recursively (hidden entries skipped, only readable formats kept),
 * in a stable order. Paths that do not exist are returned as missing.
 */
export function expandPaths(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = path.resolve(file);
    if (!seen.has(key)) {
      seen.add(key);
      files.push(file);
    }
  };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      missing.push(p);
      continue;
    }
    if (!stat.isDirectory()) {
      add(p);
      continue;
    }
    const stack = [p];
    while (stack.length) {
      const dir = stack.pop()!;
      const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
      const subdirs: string[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) subdirs.push(full);
        else if (entry.isFile() && isSupportedPath(full)) add(full);
      }
      stack.push(...subdirs.reverse());
    }
  }
  return { files, missing };
}

/** A file's stable identity: its absolute, symlink-free path with forward slashes. */
export function sourceIdForPath(file: string): string {
  let resolved = path.resolve(file);
  try {
    resolved = fs.realpathSync(resolved);
  } catch {
    // keep the resolved path for files that vanished
  }
  return resolved.split(path.sep).join('/');
}
