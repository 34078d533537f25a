import type { Block } from './document.js';

/** A block placed in the document text. */
export interface PlacedBlock extends Block {
  start: number;
  end: number;
}

export const BLOCK_SEPARATOR = '\n\n';

/**
 * Lays blocks end to end into the document text that is stored and cited.
 * Returns the text and each block's span in it. Pure.
 */
export function assemble(blocks: Block[]): { text: string; blocks: PlacedBlock[] } {
  let text = '';
  const placed: PlacedBlock[] = [];
  for (const block of blocks) {
    if (text) text += BLOCK_SEPARATOR;
    const start = text.length;
    text += block.text;
    placed.push({ ...block, start, end: text.length });
  }
  return { text, blocks: placed };
}
