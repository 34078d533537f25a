/** Rows and inputs of the store, as the rest of the program sees them. */
export type DocumentKind = 'bulletin' | 'strategy' | 'other';
export const DOCUMENT_KINDS: readonly DocumentKind[] = ['bulletin', 'strategy', 'other'];

/** What a document says about itself, stored and read back alike. */
export interface DocumentFields {
  source_id: string;
  sha256: string;
  kind: DocumentKind;
  mime: string;
  title: string;
  published_at: string | null;
  author: string | null;
  source_url: string | null;
  file_name: string;
  parent_id: number | null;
  pages: number | null;
  bytes: number;
  /** Pages whose text was recognised from a scan, with their mean confidence (0–100): JSON {"3": 91}, or null. */
  ocr_pages?: string | null;
}

export interface DocumentRow extends DocumentFields {
  id: number;
  /** 0 for a document added as text, with no original file. */
  has_original: number;
  ingested_at: string;
  updated_at: string;
}

export interface PassageRow {
  id: number;
  doc_id: number;
  ord: number;
  text: string;
  start: number;
  end: number;
  page: number | null;
  section: string | null;
  fingerprint: string;
  tokens: number;
}

/** A passage as produced by the splitter, before it has an id. */
export interface NewPassage {
  text: string;
  start: number;
  end: number;
  page: number | null;
  section: string | null;
  fingerprint: string;
  tokens: number;
}

/** A heading or paragraph of a document: a span of its text, with its fingerprint. */
export interface BlockRow {
  kind: 'heading' | 'paragraph';
  level: number | null;
  page: number | null;
  start: number;
  end: number;
  fingerprint: string;
}

/** Everything needed to store (or replace) one document. */
export interface NewDocument extends DocumentFields {
  /** False for a document added as text, with no original file (default true). */
  has_original?: boolean;
  text: string;
  blocks: BlockRow[];
  passages: NewPassage[];
}

export interface StoreStats {
  documents: number;
  passages: number;
  pages: number;
  by_kind: Record<DocumentKind, number>;
  date_range: { from: string | null; to: string | null };
  bytes: number;
}

/** A passage joined with its document: what a citation is made from. */
export interface PassageRecord {
  id: number;
  doc_id: number;
  text: string;
  start: number;
  end: number;
  page: number | null;
  section: string | null;
  title: string;
  published_at: string | null;
  kind: DocumentKind;
  source_url: string | null;
  file_name: string;
  mime: string;
  parent_id: number | null;
  parent_title: string | null;
  fingerprint: string;
  /** The document's recognised pages (see DocumentFields.ocr_pages). */
  ocr_pages: string | null;
  /** From repeated_text: null when the text is in one document only. */
  repeat_documents: number | null;
  repeat_passages: number | null;
  repeat_first: string | null;
  repeat_last: string | null;
}
