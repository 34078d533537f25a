/**
 * The service's addresses: the one place they are built, by the citations
 * (which link a passage in its document and its original) and by the server
 * (whose routes answer them). Relative to the service's root.
 */
export const ROUTES = {
  documentPage: '/documents/:id',
  documentsPage: '/documents',
  raw: '/documents/:id/raw',
  repeats: '/passages/:id/repeats',
  similar: '/passages/:id/similar',
} as const;

/** Opens the passage in its document (the web document view), highlighted. */
export function passageUrl(documentId: number, passageId: number, query?: string): string {
  const q = query ? `&q=${encodeURIComponent(query)}` : '';
  return `/documents/${documentId}?passage=${passageId}${q}#passage-${passageId}`;
}

export function documentUrl(documentId: number): string {
  return `/documents/${documentId}`;
}

/** The original file; a PDF opens at the page. */
export function rawUrl(documentId: number, page?: number | null): string {
  return `/api/documents/${documentId}/raw${page ? `#page=${page}` : ''}`;
}

/** Every passage with the same words as this one. */
export function repeatsUrl(passageId: number): string {
  return `/api/passages/${passageId}/repeats`;
}
