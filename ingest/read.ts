import fs from 'node:fs';
import { KbError } from '../src/errors.js';

/** Reads a file, refusing it before reading when it is missing, a folder, empty or over the size limit. */
export function readBounded(file: string, limit: number): Uint8Array {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KbError('FILE_NOT_FOUND', { file });
    throw new KbError('FILE_UNREADABLE', { file, detail: code ?? String(err) });
  }
  if (stat.isDirectory()) throw new KbError('FILE_UNREADABLE', { file, detail: 'it is a folder' });
  if (stat.size > limit) throw new KbError('FILE_TOO_LARGE', { file, size: stat.size, limit });
  if (stat.size === 0) throw new KbError('FILE_EMPTY', { file });
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new KbError('FILE_UNREADABLE', { file, detail: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
}
