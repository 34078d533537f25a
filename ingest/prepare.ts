import path from 'node:path';
import { KbError, printable } from '../src/errors.js';
import type { DocumentKind } from '../src/store/types.js';
import { assemble, type PlacedBlock } from './assemble.js';
import type { Attachment, LoaderLimits, RawFile } from './document.js';
import { load } from './loaders/index.js';
import { extractMetadata } from './metadata.js';
import { normaliseBlocks } from './normalise.js';
import { blockFingerprints } from './repeated-text.js';

/**
 * One file read and made ready to store, before anything is asked of the
 * database: its format's metadata and the text's, the document text laid
 * out from normalised blocks, and each block's fingerprint. Attachments come
 * back as raw files, prepared one by one (each within its own limits).
 */
export interface PreparedFile {
  /** Identity the format carries (an e-mail's Message-ID), if any. */
  sourceId: string | null;
  mime: string;
  title: string;
  published_at: string | null;
  author: string | null;
  kind: DocumentKind;
  source_url: string | null;
  pages: number | null;
  /** Pages recognised from a scan, with their confidence; pages that could not be read. */
  ocrPages: Record<number, number> | null;
  unreadablePages: { page: number; reason: string }[];
  /** The file's name as a label (never a path). */
  fileName: string;
  text: string;
  blocks: PlacedBlock[];
  fingerprints: string[];
  attachments: Attachment[];
}

/**
 * Loads, normalises and lays out one file. Runs in the prepare worker (see prepare-host.ts), so it may take its time.
 */
export async function prepareFile(file: RawFile, limits: LoaderLimits): Promise<PreparedFile> {
  const loaded = await load(file, limits);
  const blocks = normaliseBlocks(loaded.blocks);
  if (blocks.length === 0) throw new KbError('NO_TEXT', { file: file.name });
  // The name is a label (stored and shown), never a path: control characters go.
  const fileName = printable(path.basename(file.name)).trim() || 'document';
  const meta = extractMetadata(loaded, blocks, fileName);
  const { text, blocks: placed } = assemble(blocks);
  return {
    sourceId: loaded.sourceId ?? null,
    mime: loaded.mime,
    title: meta.title,
    published_at: meta.published_at,
    author: meta.author,
    kind: meta.kind,
    source_url: loaded.sourceUrl ?? null,
    pages: loaded.pages ?? null,
    ocrPages: loaded.ocrPages ?? null,
    unreadablePages: loaded.unreadablePages ?? [],
    fileName,
    text,
    blocks: placed,
    fingerprints: blockFingerprints(placed),
    attachments: loaded.attachments ?? [],
  };
}
