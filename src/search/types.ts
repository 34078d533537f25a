import type { DocumentKind } from '../store/types.js';

export type SearchMode = 'hybrid' | 'semantic' | 'lexical';

/** Where a passage comes from, ready to cite. */
export interface Citation {
  document_id: number;
  title: string;
  /** Publication date, YYYY-MM-DD, or null. */
  date: string | null;
  /** PDF page (1-based), or null. */
  page: number | null;
  section: string | null;
  /** Character offsets of the passage in the document's stored text. */
  start: number;
  end: number;
  kind: DocumentKind;
  /** The document's origin: its web address when known, else its file name. */
  source: string;
  /** Opens the passage in its document (the web document view). */
  url: string;
  /** The original file (PDFs open at the page). */
  raw_url: string;
  /** The bulletin an attachment came with. */
  attached_to: { document_id: number; title: string } | null;
}

export interface Hit {
  passage_id: number;
  score: number;
  /** The exact stored words. */
  text: string;
  /** HTML: the text escaped, matched words in <mark>. */
  snippet: string;
  citation: Citation;
}

export interface Filters {
  from?: string;
  to?: string;
  kind?: DocumentKind;
  document?: number;
}

export interface SearchRequest extends Filters {
  q: string;
  k: number;
  mode: SearchMode;
  /** At most this many passages per document. */
  perDoc: number;
  /** A query vector computed beforehand (benchmarks measure search without the embedding). */
  vector?: Float32Array;
  /** Build snippets (default true; evaluation and benchmarks skip them). */
  snippets?: boolean;
}

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  embedder: { id: string; dim: number; builtin: boolean } | null;
  took_ms: number;
  results: Hit[];
}
