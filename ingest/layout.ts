import type { Documents } from '../src/store/documents.js';
import type { BlockRow, NewPassage } from '../src/store/types.js';
import type { PlacedBlock } from './assemble.js';
import { repeatedBlocks } from './repeated-text.js';
import { split, type SplitOptions } from './split.js';

/**
 * A document's blocks and passages, given what is already stored: paragraphs
 * whose words are in another document (a sign-off, a standing item) get
 * passages of their own (see repeated-text.ts). Reads the store; call inside
 * the write transaction so what it sees is what is committed.
 */
export function layoutPassages(
  documents: Documents,
  sourceId: string,
  text: string,
  blocks: readonly PlacedBlock[],
  fingerprints: readonly string[],
  options: SplitOptions,
): { blocks: BlockRow[]; passages: NewPassage[] } {
  const shared = documents.sharedBlocks(fingerprints, sourceId);
  return {
    blocks: blocks.map((b, i) => ({
      kind: b.kind,
      level: b.level ?? null,
      page: b.page ?? null,
      start: b.start,
      end: b.end,
      fingerprint: fingerprints[i]!,
    })),
    passages: split(text, [...blocks], options, repeatedBlocks(blocks, fingerprints, shared)),
  };
}

/** A stored document's blocks as the splitter takes them. */
export function placedFromRows(text: string, rows: readonly BlockRow[]): PlacedBlock[] {
  return rows.map((b) => ({
    kind: b.kind,
    level: b.level ?? undefined,
    page: b.page ?? undefined,
    text: text.slice(b.start, b.end),
    start: b.start,
    end: b.end,
  }));
}
