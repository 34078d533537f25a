import { KbError } from '../errors.js';
import type { Documents } from './documents.js';
import type { DocumentRow, PassageRow } from './types.js';

/** A document as the document page shows it: metadata, parent and attachments, its text and passages. */
export interface DocumentView {
  document: DocumentRow;
  parent: DocumentRow | null;
  attachments: DocumentRow[];
  text: string;
  passages: Omit<PassageRow, 'doc_id' | 'fingerprint' | 'tokens'>[];
}

export function documentView(documents: Documents, id: number): DocumentView {
  const doc = documents.get(id);
  if (!doc) throw new KbError('DOCUMENT_NOT_FOUND', { id });
  const parent = doc.parent_id !== null ? (documents.get(doc.parent_id) ?? null) : null;
  const passages = documents
    .passagesOf(doc.id)
    .map(({ id, ord, start, end, page, section, text }) => ({ id, ord, start, end, page, section, text }));
  return {
    document: doc,
    parent,
    attachments: documents.childrenOf(doc.id),
    text: documents.text(doc.id) ?? '',
    passages,
  };
}
