import { countWords, fingerprint } from '../src/text/words.js';
import type { PlacedBlock } from './assemble.js';

/**
 * Text that recurs across documents (a sign-off, a helpdesk line, a standing
 * item) is recognised block by block at ingest: a paragraph whose
 * fingerprint (its words, ignoring case, spacing and punctuation) is already
 * in another document is kept in a passage of its own, so every copy makes
 * the same passage and search can collapse them. Pure.
 */

/** The fingerprint of each block, in order. */
export function blockFingerprints(blocks: readonly PlacedBlock[]): string[] {
  return blocks.map((b) => fingerprint(b.text));
}

/**
 * A document this much made of text found elsewhere is a copy (the same
 * bulletin as e-mail and web page, a PDF attached twice): it is split as it
 * stands, and its passages match the other copy's whole.
 */
export const COPY_SHARE = 0.5;

/**
 * Which blocks to keep apart: paragraphs whose fingerprint is in `shared`
 * (found in other documents), and a heading whose own text is shared when
 * the paragraph after it is kept apart too. None when the shared paragraphs
 * hold COPY_SHARE or more of the document's words.
 */
export function repeatedBlocks(
  blocks: readonly PlacedBlock[],
  fingerprints: readonly string[],
  shared: ReadonlySet<string>,
): Set<number> {
  const out = new Set<number>();
  if (!shared.size) return out;
  let total = 0;
  let repeatedWords = 0;
  blocks.forEach((b, i) => {
    const words = countWords(b.text);
    total += words;
    if (b.kind === 'paragraph' && shared.has(fingerprints[i]!)) {
      out.add(i);
      repeatedWords += words;
    }
  });
  if (total === 0 || repeatedWords / total >= COPY_SHARE) return new Set();
  blocks.forEach((b, i) => {
    if (b.kind === 'heading' && shared.has(fingerprints[i]!) && out.has(i + 1)) out.add(i);
  });
  return out;
}
