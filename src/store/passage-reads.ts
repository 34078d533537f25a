import type { Db, Statement } from './sqlite.js';
import type { DocumentKind, PassageRecord } from './types.js';

/** Which documents a search may return passages from. */
export interface Filters {
  from?: string;
  to?: string;
  kind?: DocumentKind;
  /** A document and its attachments. */
  document?: number;
}

export function hasFilters(f: Filters): boolean {
  return Boolean(f.from || f.to || f.kind || f.document !== undefined);
}

const RECORD_SQL = `
  SELECT p.id, p.doc_id, p.text, p.start, p."end", p.page, p.section, d.title, d.published_at, d.kind,
         d.source_url, d.file_name, d.mime, d.parent_id, parent.title AS parent_title, p.fingerprint, d.ocr_pages,
         r.documents AS repeat_documents, r.passages AS repeat_passages,
         r.first_date AS repeat_first, r.last_date AS repeat_last
  FROM passages p
  JOIN documents d ON d.id = p.doc_id
  LEFT JOIN documents parent ON parent.id = d.parent_id
  LEFT JOIN repeated_text r ON r.fingerprint = p.fingerprint`;

/** Filters as SQL over passages p joined to documents d (named parameters: see filterParams). */
const FILTER_SQL = `(@from IS NULL OR d.published_at >= @from) AND (@to IS NULL OR d.published_at <= @to) AND (@kind IS
  NULL OR d.kind = @kind)
  AND (@document IS NULL OR d.id = @document OR d.parent_id = @document)`;

/** Ids go to SQLite as one JSON array, so one prepared statement serves any number of them. */
const CHUNK = 5_000;

/**
 * The read side of passages: the full-text match, filters, passage records
 * with their documents, vocabulary counts and repeated text. Statements are
 * prepared once. Nothing here writes.
 */
export class PassageReads {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      // rank is bm25() with the column weights of BM25_WEIGHTS (set in the schema).
      match: p('SELECT rowid AS id, -rank AS score FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?'),
      matchIds: p('SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?').pluck(),
      records: p(`${RECORD_SQL} WHERE p.id IN (SELECT value FROM json_each(?))`),
      fingerprints: p('SELECT id, fingerprint FROM passages WHERE id IN (SELECT value FROM json_each(?))'),
      allowedAmong: p(
        `SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.id IN (SELECT value FROM ` +
          `json_each(@ids)) AND ${FILTER_SQL}`,
      ).pluck(),
      allowed: p(`SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE ${FILTER_SQL}`).pluck(),
      postings: p('SELECT doc FROM passages_vocab WHERE term = ?').pluck(),
      count: p('SELECT count(*) FROM passages').pluck(),
      // FTS5's averages record: passages, then tokens per column, as varints (see averageLength).
      averages: p('SELECT block FROM passages_fts_data WHERE id = 1').pluck(),
      idRange: p('SELECT min(id) AS lo, max(id) AS hi FROM passages'),
      atOrAfter: p('SELECT id, doc_id, text FROM passages WHERE id >= ? ORDER BY id LIMIT 1'),
      every: p('SELECT id, doc_id, text FROM passages ORDER BY id'),
      repeats: p(
        `SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.fingerprint = ?
         ORDER BY d.published_at IS NULL, d.published_at, p.doc_id, p.ord LIMIT ?`,
      ).pluck(),
      sameDocumentOrText: p('SELECT id FROM passages WHERE doc_id = ? OR fingerprint = ?').pluck(),
      ofDocuments: p(
        `SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE d.id = @id OR d.parent_id = @id ORDER ` +
          `BY d.id, p.ord`,
      ).pluck(),
    };
  }

  /** One FTS5 MATCH (a query already made safe), best first, at most `limit`. */
  match(fts: string, limit: number): { id: number; score: number }[] {
    return this.s.match!.all(fts, limit) as { id: number; score: number }[];
  }

  /** The passages that match (a query already made safe), unranked, at most `limit`. */
  matchIds(fts: string, limit: number): number[] {
    return this.s.matchIds!.all(fts, limit) as number[];
  }

  /** Passages with their documents, by id. */
  records(ids: readonly number[]): Map<number, PassageRecord> {
    const out = new Map<number, PassageRecord>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      for (const r of this.s.records!.all(JSON.stringify(ids.slice(i, i + CHUNK))) as PassageRecord[]) out.set(r.id, r);
    }
    return out;
  }

  /** The fingerprint (normalised words) of each passage, by id. */
  fingerprints(ids: readonly number[]): Map<number, string> {
    const out = new Map<number, string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      for (const r of this.s.fingerprints!.all(JSON.stringify(ids.slice(i, i + CHUNK))) as {
        id: number;
        fingerprint: string;
      }[])
        out.set(r.id, r.fingerprint);
    }
    return out;
  }

  /** Which of these passages pass the filters. */
  allowedAmong(ids: readonly number[], f: Filters): Set<number> {
    const out = new Set<number>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      for (const id of this.s.allowedAmong!.all({
        ids: JSON.stringify(ids.slice(i, i + CHUNK)),
        ...filterParams(f),
      }) as number[])
        out.add(id);
    }
    return out;
  }

  /** Every passage that passes the filters. */
  allowed(f: Filters): Set<number> {
    return new Set(this.s.allowed!.all(filterParams(f)) as number[]);
  }

  /** How many passages contain a term (an FTS5 token: the Porter stem). */
  postings(term: string): number {
    return (this.s.postings!.get(term) as number | undefined) ?? 0;
  }

  count(): number {
    return this.s.count!.get() as number;
  }

  /**
   * Mean tokens per passage over the columns FTS5 indexes, from FTS5's own
   * totals (the averages record, id 1 of its data table): what its bm25()
   * divides a passage's length by.
   */
  averageLength(): number {
    const blob = this.s.averages!.get() as Uint8Array | undefined;
    if (!blob) return 1;
    const values: number[] = [];
    for (let at = 0; at < blob.length;) {
      // SQLite's varint: big-endian groups of 7 bits, the high bit set on all but the last; a 9th byte has 8.
      let v = 0;
      let i = 0;
      for (; i < 8; i++) {
        const byte = blob[at++]!;
        v = v * 128 + (byte & 0x7f);
        if (!(byte & 0x80)) break;
      }
      if (i === 8) v = v * 256 + blob[at++]!;
      values.push(v);
    }
    const [rows = 0, ...tokens] = values;
    return rows > 0 ? tokens.reduce((a, b) => a + b, 0) / rows : 1;
  }

  /** Up to n passages spread over the collection (all of them when there are no more than n), chosen with `next`. */
  sample(n: number, next: () => number): { id: number; doc_id: number; text: string }[] {
    type Row = { id: number; doc_id: number; text: string };
    if (this.count() <= n) return this.s.every!.all() as Row[];
    const { lo, hi } = this.s.idRange!.get() as { lo: number; hi: number };
    const out = new Map<number, Row>();
    for (let tries = 0; out.size < n && tries < n * 4; tries++) {
      const row = this.s.atOrAfter!.get(lo + Math.floor(next() * (hi - lo + 1))) as Row | undefined;
      if (row) out.set(row.id, row);
    }
    return [...out.values()];
  }

  /** Every passage with this fingerprint, oldest document first. */
  repeatsOf(fingerprint: string, limit: number): number[] {
    return this.s.repeats!.all(fingerprint, limit) as number[];
  }

  /** Passages of this document, or with this text anywhere (what "related" leaves out). */
  sameDocumentOrText(docId: number, fingerprint: string): number[] {
    return this.s.sameDocumentOrText!.all(docId, fingerprint) as number[];
  }

  /** Every passage of a document and its attachments, in order. */
  ofDocument(docId: number): number[] {
    return this.s.ofDocuments!.all({ id: docId }) as number[];
  }
}

function filterParams(f: Filters): {
  from: string | null;
  to: string | null;
  kind: string | null;
  document: number | null;
} {
  return { from: f.from ?? null, to: f.to ?? null, kind: f.kind ?? null, document: f.document ?? null };
}
