import { KbError } from '../../src/errors.js';

/**
 * Bytes to text: UTF-8 (BOM dropped), falling back to Windows-1252 for
 * files saved by older office software. Binary data is refused.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  if (looksBinary(bytes)) throw new KbError('BINARY_CONTENT', { file });
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** NUL bytes, or many control characters, in the first 8 KiB mean binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return true;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  }
  return n > 0 && control / n > 0.05;
}
