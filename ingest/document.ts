import { DEFAULTS, loaderLimits } from '../src/config.js';
/**
 * What a loader produces: the document's content as a list of blocks
 * (headings and paragraphs, each with its PDF page), and whatever metadata
 * the file format itself carries. Metadata found in the text comes later.
 */
export interface Block {
  kind: 'heading' | 'paragraph';
  text: string;
  /** Heading depth, 1 = top level. */
  level?: number;
  /** 1-based PDF page. */
  page?: number;
}

export interface Attachment {
  fileName: string;
  mime: string;
  bytes: Uint8Array;
  /** Identity of its own (a file linked from a web page: its address); else it is known by its message's. */
  sourceId?: string;
  /** Where it lives on the web. */
  sourceUrl?: string;
}

export interface LoadedDocument {
  mime: string;
  blocks: Block[];
  /** Title given by the format: HTML <title>, e-mail Subject, PDF Title. */
  formatTitle?: string;
  /** Date given by a header (e-mail Date:), ISO YYYY-MM-DD. */
  headerDate?: string;
  /** Date the file says it was created (PDF CreationDate), ISO YYYY-MM-DD. */
  createdDate?: string;
  author?: string;
  sourceUrl?: string;
  /** Identity the format carries (an e-mail's Message-ID). */
  sourceId?: string;
  pages?: number;
  /** Pages whose text was recognised from a scan, with their mean confidence (0–100). */
  ocrPages?: Record<number, number>;
  /** Pages that could not be read, and why (blank pages with no image are not listed). */
  unreadablePages?: { page: number; reason: string }[];
  attachments?: Attachment[];
}

/** A raw file handed to a loader. */
export interface RawFile {
  /** Path or name used in messages. */
  name: string;
  bytes: Uint8Array;
}

export interface LoaderLimits {
  /** Recognise pages without a text layer (OCR). */
  ocr: boolean;
  ocrMaxPages: number;
  ocrPageTimeoutMs: number;
  parseTimeoutMs: number;
  maxPdfPages: number;
  parseMemoryMb: number;
  maxHtmlDepth: number;
  maxUnpackedBytes: number;
}

/** Limits for callers that do not choose their own (tests, tools): the configuration's defaults. */
export const DEFAULT_LIMITS: LoaderLimits = loaderLimits(DEFAULTS);
