import { KbError } from '../../src/errors.js';

/**
 * In Western text saved as Windows-1252 (older office software) a few
 * characters in a hundred are accented letters or curly quotes; bytes that
 * are neither valid UTF-8 nor mostly plain ASCII are not text in any
 * encoding this service guesses.
 */
export const MAX_LEGACY_HIGH_SHARE = 0.1;

/**
 * Bytes to text: UTF-8 (BOM dropped), falling back to Windows-1252 for
 * files saved by older office software. Binary data, and bytes that are
 * invalid UTF-8 without looking like Windows-1252 text, are refused.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  if (looksBinary(bytes)) throw new KbError('BINARY_CONTENT', { file });
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    let high = 0;
    for (const b of bytes) if (b >= 0x80) high++;
    if (high / bytes.length > MAX_LEGACY_HIGH_SHARE) {
      throw new KbError('BAD_ENCODING', {
        file,
        detail:
          `invalid byte sequence at offset ${firstInvalidUtf8(bytes)}, and ` +
          `${Math.round((high / bytes.length) * 100)}% of the bytes are not ASCII, so it is not Windows-1252 text ` +
          `either`,
      });
    }
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** The offset of the first byte that breaks UTF-8, or -1 (for the error message). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Sequence length, and the range of the second byte (no overlong forms, no surrogates, nothing past U+10FFFF).
    const [n, lo, hi] =
      b >= 0xc2 && b <= 0xdf
        ? [1, 0x80, 0xbf]
        : b === 0xe0
          ? [2, 0xa0, 0xbf]
          : b === 0xed
            ? [2, 0x80, 0x9f]
            : b >= 0xe1 && b <= 0xef
              ? [2, 0x80, 0xbf]
              : b === 0xf0
                ? [3, 0x90, 0xbf]
                : b >= 0xf1 && b <= 0xf3
                  ? [3, 0x80, 0xbf]
                  : b === 0xf4
                    ? [3, 0x80, 0x8f]
                    : [0, 0, 0];
    if (!n) return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
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
