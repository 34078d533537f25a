import { createHash } from 'node:crypto';

/** Word counting and text fingerprints. Pure. */
export function countWords(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(/\S+/g)) n++;
  return n;
}

/**
 * Text reduced to what a reader compares: lower case, letters and digits
 * only, single spaces. Two passages that differ only in whitespace,
 * punctuation or case have the same fingerprint.
 */
export function fingerprintText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function fingerprint(text: string): string {
  return createHash('sha256').update(fingerprintText(text)).digest('hex').slice(0, 32);
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
