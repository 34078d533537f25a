import type { Db, Statement } from './sqlite.js';

/** What an address was when last fetched. */
export type WebFetchKind = 'page' | 'listing' | 'file' | 'sitemap' | 'feed';

/** Where an address led: the pages and files it links or lists, with the dates a feed gives. */
export interface WebLinks {
  pages?: { url: string; date: string | null }[];
  sitemaps?: string[];
  files?: string[];
  unread?: string[];
}

export interface WebFetch {
  url: string;
  kind: WebFetchKind;
  etag: string | null;
  last_modified: string | null;
  sha256: string;
  /** The document the address became (pages and files). */
  source_id: string | null;
  links: WebLinks;
  fetched_at: string;
}

/**
 * The memory of web intake: for each address fetched, its validators (ETag,
 * Last-Modified) for the next conditional request, the hash of what it
 * answered, the document it became and where it led, so an address that
 * answers 304 Not Modified still leads to its pages and files.
 */
export class WebFetches {
  private readonly s: Record<'get' | 'put', Statement>;

  constructor(db: Db) {
    this.s = {
      get: db.prepare('SELECT * FROM web_fetches WHERE url = ?'),
      put: db.prepare(
        `INSERT INTO web_fetches (url, kind, etag, last_modified, sha256, source_id, links, fetched_at)
         VALUES (@url, @kind, @etag, @last_modified, @sha256, @source_id, @links, @fetched_at)
         ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, etag = excluded.etag,
           last_modified = excluded.last_modified, sha256 = excluded.sha256, source_id = excluded.source_id,
           links = excluded.links, fetched_at = excluded.fetched_at`,
      ),
    };
  }

  get(url: string): WebFetch | null {
    const row = this.s.get.get(url) as (Omit<WebFetch, 'links'> & { links: string }) | undefined;
    if (!row) return null;
    let links: WebLinks = {};
    try {
      links = JSON.parse(row.links) as WebLinks;
    } catch {
      // a damaged row only costs a full fetch
    }
    return { ...row, links };
  }

  put(row: WebFetch): void {
    this.s.put.run({ ...row, links: JSON.stringify(row.links) });
  }
}
