import type { LoadedDocument, RawFile } from '../document.js';
import { classifyBlocks, paragraphs } from '../normalise.js';
import { decodeText } from './decode.js';

/** Plain text (and Markdown): paragraphs at blank lines, short lines before them as headings. */
export function loadText(file: RawFile): LoadedDocument {
  const text = decodeText(file.bytes, file.name);
  return { mime: 'text/plain', blocks: textToBlocks(text) };
}

export function textToBlocks(text: string) {
  const paras = paragraphs(text).map((p) => p.replace(/^#{1,6}\s+/, ''));
  return classifyBlocks(paras);
}
