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

/** Text that recurs in several documents (by fingerprint of its normalised words). */
export interface Repeated {
  documents: number;
  passages: number;
  first: string | null;
  last: string | null;
  /** In enough documents to be standing text (ranked below original text). */
  standing: boolean;
  /** Every passage with this text. */
  url: string;
}

export interface Hit {
  passage_id: number;
  score: number;
  /** The exact stored words. */
  text: string;
  /** HTML: the text escaped, matched words in <mark>. */
  snippet: string;
  citation: Citation;
  /** Where else this text appears; null for text found in one document. */
  repeated: Repeated | null;
}

/** How repeated text is shown: one hit per text, standing text last (default); or every copy at its own rank. */
export type RepeatsMode = 'collapse' | 'all';

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
  /** Default 'collapse'. */
  repeats?: RepeatsMode;
}

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  embedder: { id: string; dim: number; builtin: boolean } | null;
  took_ms: number;
  results: Hit[];
}

export interface TimelineRequest extends Filters {
  q: string;
  mode: SearchMode;
  /** Passages at most. */
  limit: number;
  repeats?: RepeatsMode;
}

export interface TimelineEntry extends Hit {
  /** 'words': has every word of the query; 'meaning': near in meaning without them. */
  match: 'words' | 'meaning';
  is_first: boolean;
  is_latest: boolean;
}

export interface Mention {
  passage_id: number;
  date: string;
  document_id: number;
  title: string;
}

export interface TimelineResponse {
  query: string;
  mode: SearchMode;
  took_ms: number;
  /** Passages on the timeline (dated and undated). */
  total: number;
  /** Of which have every word of the query. */
  by_words: number;
  /** More passages have the words than `limit` allowed. */
  truncated: boolean;
  first: Mention | null;
  latest: Mention | null;
  /** Oldest month first; months without mentions between the first and the latest are included. */
  months: { month: string; count: number; by_words: number; passages: TimelineEntry[] }[];
  undated: TimelineEntry[];
}
