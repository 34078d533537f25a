import type { Db, Statement } from './sqlite.js';
import type { DocumentKind, DocumentRow, StoreStats } from './types.js';

export interface ListDocumentsQuery {
  kind?: DocumentKind;
  from?: string;
  to?: string;
  parentId?: number;
  limit?: number;
  offset?: number;
}

/** A document in a listing, with how many passages it holds. */
export type ListedDocument = DocumentRow & { passages: number };

const FILTER = `(@kind IS NULL OR kind = @kind) AND (@from IS NULL OR published_at >= @from)
  AND (@to IS NULL OR published_at <= @to) AND (@parent IS NULL OR parent_id = @parent)`;

/** Documents listed and counted: the documents page, `kb stats`, /api/stats. Reads only. */
export class Listing {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      total: p(`SELECT count(*) FROM documents WHERE ${FILTER}`).pluck(),
      page: p(
        `SELECT d.*, (SELECT count(*) FROM passages p WHERE p.doc_id = d.id) AS passages
         FROM documents d WHERE ${FILTER}
         ORDER BY published_at DESC NULLS LAST, id DESC LIMIT @limit OFFSET @offset`,
      ),
      count: p(
        `SELECT count(*) AS n, coalesce(sum(pages), 0) AS pages, coalesce(sum(bytes), 0) AS bytes,
           min(published_at) AS dfrom, max(published_at) AS dto FROM documents`,
      ),
      passageTotal: p('SELECT count(*) FROM passages').pluck(),
      byKind: p('SELECT kind, count(*) AS n FROM documents GROUP BY kind'),
    };
  }

  /** Documents, newest first (undated last), filtered and paged. */
  list(query: ListDocumentsQuery = {}): { total: number; documents: ListedDocument[] } {
    const params = {
      kind: query.kind ?? null,
      from: query.from ?? null,
      to: query.to ?? null,
      parent: query.parentId ?? null,
    };
    const total = this.s.total!.get(params) as number;
    const documents = this.s.page!.all({
      ...params,
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    }) as ListedDocument[];
    return { total, documents };
  }

  stats(): StoreStats {
    const d = this.s.count!.get() as {
      n: number;
      pages: number;
      bytes: number;
      dfrom: string | null;
      dto: string | null;
    };
    const by_kind: Record<DocumentKind, number> = { bulletin: 0, strategy: 0, other: 0 };
    for (const row of this.s.byKind!.all() as { kind: DocumentKind; n: number }[]) by_kind[row.kind] = row.n;
    const passages = this.s.passageTotal!.get() as number;
    return {
      documents: d.n,
      passages,
      pages: d.pages,
      by_kind,
      date_range: { from: d.dfrom, to: d.dto },
      bytes: d.bytes,
    };
  }
}
