import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { KbError } from '../errors.js';
import { MIGRATIONS, REPEATED_TEXT_SQL, SCHEMA_VERSION } from './schema.js';
import type { BlockRow, DocumentKind, DocumentRow, NewDocument, NewPassage, PassageRow, StoreStats } from './types.js';

export const DB_FILE = 'kb.sqlite';

export interface ListDocumentsQuery {
  kind?: DocumentKind;
  from?: string;
  to?: string;
  parentId?: number;
  limit?: number;
  offset?: number;
}

/**
 * The SQLite store: the one source of truth for documents, their text,
 * passages (with the FTS5 index kept in sync by triggers) and embeddings.
 * Every write that touches more than one row runs in one transaction.
 */
export class Store {
  readonly db: Database.Database;
  readonly file: string;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
  }

  static open(dataDir: string, options: { readonly?: boolean } = {}): Store {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, DB_FILE);
    const db = new Database(file, { readonly: options.readonly ?? false, timeout: 10_000 });
    const store = new Store(db, file);
    try {
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      store.migrate();
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private migrate(): void {
    const hasMeta = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
      .get();
    const current = hasMeta ? Number(this.getMeta('schema_version') ?? 0) : 0;
    if (current > SCHEMA_VERSION) {
      throw new KbError('STORE_SCHEMA_TOO_NEW', { file: this.file, found: current, supported: SCHEMA_VERSION });
    }
    for (let v = current; v < SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.setMeta('schema_version', String(v + 1));
      }).immediate();
    }
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Runs fn in one IMMEDIATE transaction (a writer lock taken up front). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  getDocument(id: number): DocumentRow | undefined {
    return this.db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
  }

  getDocumentBySource(sourceId: string): DocumentRow | undefined {
    return this.db.prepare('SELECT * FROM documents WHERE source_id = ?').get(sourceId) as DocumentRow | undefined;
  }

  childrenOf(id: number): DocumentRow[] {
    return this.db.prepare('SELECT * FROM documents WHERE parent_id = ? ORDER BY id').all(id) as DocumentRow[];
  }

  documentText(id: number): string | undefined {
    const row = this.db.prepare('SELECT text FROM document_text WHERE doc_id = ?').get(id) as { text: string } | undefined;
    return row?.text;
  }

  passagesOf(docId: number): PassageRow[] {
    return this.db
      .prepare('SELECT id, doc_id, ord, text, start, "end", page, section, fingerprint, tokens FROM passages WHERE doc_id = ? ORDER BY ord')
      .all(docId) as PassageRow[];
  }

  /** True when some document other than `exceptId` has these raw bytes. */
  shaInUse(sha256: string, exceptId?: number): boolean {
    return this.db.prepare('SELECT 1 FROM documents WHERE sha256 = ? AND id IS NOT ?').get(sha256, exceptId ?? null) !== undefined;
  }

  /**
   * Inserts a new document, or replaces the one with the same source_id:
   * metadata updated in place (the id is kept), text and passages replaced.
   * Derived rows (FTS entries, embeddings) of the old passages go with them.
   * Call inside `transaction()` when several documents must change together.
   */
  upsertDocument(doc: NewDocument, now: string = new Date().toISOString()): { id: number; created: boolean } {
    return this.transaction(() => {
      const existing = this.getDocumentBySource(doc.source_id);
      let id: number;
      const fields = [
        doc.sha256, doc.kind, doc.mime, doc.title, doc.published_at, doc.author, doc.source_url,
        doc.file_name, doc.parent_id, doc.pages, doc.bytes,
      ];
      const touched = new Set<string>(doc.passages.map((p) => p.fingerprint));
      if (existing) {
        id = existing.id;
        for (const f of this.fingerprintsOf(id)) touched.add(f);
        this.db
          .prepare(
            `UPDATE documents SET sha256 = ?, kind = ?, mime = ?, title = ?, published_at = ?, author = ?, source_url = ?,
               file_name = ?, parent_id = ?, pages = ?, bytes = ?, updated_at = ? WHERE id = ?`,
          )
          .run(...fields, now, id);
        this.db.prepare('DELETE FROM passages WHERE doc_id = ?').run(id);
        this.db.prepare('DELETE FROM document_text WHERE doc_id = ?').run(id);
        this.db.prepare('DELETE FROM blocks WHERE doc_id = ?').run(id);
      } else {
        const info = this.db
          .prepare(
            `INSERT INTO documents (sha256, kind, mime, title, published_at, author, source_url, file_name, parent_id, pages, bytes,
               source_id, ingested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(...fields, doc.source_id, now, now);
        id = Number(info.lastInsertRowid);
      }
      this.db.prepare('INSERT INTO document_text (doc_id, text) VALUES (?, ?)').run(id, doc.text);
      const block = this.db.prepare('INSERT INTO blocks (doc_id, ord, kind, level, page, start, "end", fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      doc.blocks.forEach((b, ord) => block.run(id, ord, b.kind, b.level, b.page, b.start, b.end, b.fingerprint));
      const insert = this.db.prepare(
        `INSERT INTO passages (doc_id, ord, text, start, "end", page, section, title, fingerprint, tokens)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      doc.passages.forEach((p, ord) => {
        insert.run(id, ord, p.text, p.start, p.end, p.page, p.section, doc.title, p.fingerprint, p.tokens);
      });
      this.recountRepeats(touched);
      return { id, created: !existing };
    });
  }

  /**
   * Deletes a document, the documents attached to it, and everything derived
   * from them (text, passages, FTS rows, embeddings). Returns the deleted rows.
   */
  deleteDocument(id: number): DocumentRow[] {
    return this.transaction(() => {
      const doc = this.getDocument(id);
      if (!doc) throw new KbError('DOCUMENT_NOT_FOUND', { id });
      const deleted: DocumentRow[] = [];
      for (const child of this.childrenOf(id)) deleted.push(...this.deleteDocument(child.id));
      const touched = this.fingerprintsOf(id);
      this.db.prepare('DELETE FROM documents WHERE id = ?').run(id);
      this.recountRepeats(touched);
      deleted.push(doc);
      return deleted;
    });
  }

  /**
   * Replaces a document's passages with a new split of the same text.
   * Passages that come out the same (same span) keep their ids, so links to
   * them still work; only the others are deleted and inserted.
   */
  replacePassages(docId: number, passages: NewPassage[]): { kept: number; replaced: number } {
    return this.transaction(() => {
      const doc = this.getDocument(docId);
      if (!doc) throw new KbError('DOCUMENT_NOT_FOUND', { id: docId });
      const old = this.passagesOf(docId);
      const key = (p: { start: number; end: number; text: string }) => `${p.start}:${p.end}:${p.text}`;
      const wanted = new Set(passages.map(key));
      const touched = new Set<string>(passages.map((p) => p.fingerprint));
      const del = this.db.prepare('DELETE FROM passages WHERE id = ?');
      const keep = new Map<string, number>();
      for (const p of old) {
        touched.add(p.fingerprint);
        if (wanted.has(key(p)) && !keep.has(key(p))) keep.set(key(p), p.id);
        else del.run(p.id);
      }
      // Move kept passages out of the way of the new order first (UNIQUE(doc_id, ord)).
      this.db.prepare('UPDATE passages SET ord = -1 - ord WHERE doc_id = ?').run(docId);
      const setOrd = this.db.prepare('UPDATE passages SET ord = ? WHERE id = ?');
      const insert = this.db.prepare(
        `INSERT INTO passages (doc_id, ord, text, start, "end", page, section, title, fingerprint, tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      passages.forEach((p, ord) => {
        const id = keep.get(key(p));
        if (id !== undefined) setOrd.run(ord, id);
        else insert.run(docId, ord, p.text, p.start, p.end, p.page, p.section, doc.title, p.fingerprint, p.tokens);
      });
      this.recountRepeats(touched);
      return { kept: keep.size, replaced: passages.length - keep.size };
    });
  }

  /** A document's headings and paragraphs, in order. */
  blocksOf(docId: number): BlockRow[] {
    return this.db.prepare('SELECT kind, level, page, start, "end", fingerprint FROM blocks WHERE doc_id = ? ORDER BY ord').all(docId) as BlockRow[];
  }

  /** Which of these block fingerprints some other document (not `exceptSourceId`) has. */
  sharedBlocks(fingerprints: Iterable<string>, exceptSourceId: string): Set<string> {
    const stmt = this.db.prepare(
      `SELECT 1 FROM blocks b JOIN documents d ON d.id = b.doc_id WHERE b.fingerprint = ? AND d.source_id <> ? LIMIT 1`,
    );
    const out = new Set<string>();
    for (const f of new Set(fingerprints)) if (stmt.get(f, exceptSourceId)) out.add(f);
    return out;
  }

  /**
   * Documents other than `docId` that were, before it, the only one with a
   * paragraph it also has: they must be split again so the shared text gets
   * its own passage there too.
   */
  firstCopies(docId: number): number[] {
    return this.db
      .prepare(
        `SELECT min(o.doc_id) FROM blocks b JOIN blocks o ON o.fingerprint = b.fingerprint AND o.doc_id <> b.doc_id AND o.kind = 'paragraph'
         WHERE b.doc_id = ? AND b.kind = 'paragraph' GROUP BY b.fingerprint HAVING count(DISTINCT o.doc_id) = 1`,
      )
      .pluck()
      .all(docId)
      .filter((v, i, all) => all.indexOf(v) === i) as number[];
  }

  private fingerprintsOf(docId: number): Set<string> {
    return new Set(this.db.prepare('SELECT DISTINCT fingerprint FROM passages WHERE doc_id = ?').pluck().all(docId) as string[]);
  }

  /** Recomputes repeated_text for these fingerprints (call inside the write's transaction). */
  private recountRepeats(fingerprints: Iterable<string>): void {
    const drop = this.db.prepare('DELETE FROM repeated_text WHERE fingerprint = ?');
    const count = this.db.prepare(REPEATED_TEXT_SQL);
    for (const f of fingerprints) {
      drop.run(f);
      count.run(f);
    }
  }

  /** Every passage whose normalised text is the same as this one's, oldest document first. */
  repeatsOf(fingerprint: string, limit: number): number[] {
    return this.db
      .prepare(
        `SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.fingerprint = ?
         ORDER BY d.published_at IS NULL, d.published_at, p.doc_id, p.ord LIMIT ?`,
      )
      .pluck()
      .all(fingerprint, limit) as number[];
  }

  listDocuments(query: ListDocumentsQuery = {}): { total: number; documents: DocumentRow[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.kind) { where.push('kind = ?'); params.push(query.kind); }
    if (query.from) { where.push('published_at >= ?'); params.push(query.from); }
    if (query.to) { where.push('published_at <= ?'); params.push(query.to); }
    if (query.parentId !== undefined) { where.push('parent_id = ?'); params.push(query.parentId); }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM documents ${clause}`).get(...params) as { n: number }).n;
    const documents = this.db
      .prepare(`SELECT * FROM documents ${clause} ORDER BY published_at DESC NULLS LAST, id DESC LIMIT ? OFFSET ?`)
      .all(...params, query.limit ?? 50, query.offset ?? 0) as DocumentRow[];
    return { total, documents };
  }

  /**
   * Consistency checks that need only the database: SQLite's own integrity
   * check, foreign keys, the FTS5 index against its content table, and
   * passage offsets against the stored text. Returns the problems found.
   */
  check(): string[] {
    const problems: string[] = [];
    const integrity = this.db.pragma('integrity_check') as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]!.integrity_check !== 'ok') {
      problems.push(...integrity.map((r) => `sqlite: ${r.integrity_check}`));
    }
    const fk = this.db.pragma('foreign_key_check') as unknown[];
    if (fk.length) problems.push(`sqlite: ${fk.length} rows break foreign keys`);
    try {
      this.db.prepare("INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 1)").run();
    } catch (err) {
      problems.push(`fts: ${(err as Error).message}`);
    }
    const bad = this.db
      .prepare('SELECT count(*) AS n FROM passages p JOIN document_text t ON t.doc_id = p.doc_id WHERE substr(t.text, p.start + 1, p."end" - p.start) <> p.text')
      .get() as { n: number };
    if (bad.n) problems.push(`passages: ${bad.n} passages whose offsets do not match the stored text`);
    const noText = this.db.prepare('SELECT count(*) AS n FROM documents d LEFT JOIN document_text t ON t.doc_id = d.id WHERE t.doc_id IS NULL').get() as { n: number };
    if (noText.n) problems.push(`documents: ${noText.n} documents without text`);
    const repeats = this.db
      .prepare(
        `WITH truth AS (
           SELECT p.fingerprint, count(DISTINCT p.doc_id) AS documents, count(*) AS passages, min(d.published_at) AS first_date, max(d.published_at) AS last_date
           FROM passages p JOIN documents d ON d.id = p.doc_id GROUP BY p.fingerprint HAVING count(DISTINCT p.doc_id) >= 2)
         SELECT (SELECT count(*) FROM (SELECT * FROM truth EXCEPT SELECT * FROM repeated_text))
              + (SELECT count(*) FROM (SELECT * FROM repeated_text EXCEPT SELECT * FROM truth)) AS n`,
      )
      .get() as { n: number };
    if (repeats.n) problems.push(`repeated text: ${repeats.n} counts differ from the passages`);
    return problems;
  }

  stats(): StoreStats {
    const d = this.db
      .prepare('SELECT count(*) AS n, coalesce(sum(pages), 0) AS pages, coalesce(sum(bytes), 0) AS bytes, min(published_at) AS dfrom, max(published_at) AS dto FROM documents')
      .get() as { n: number; pages: number; bytes: number; dfrom: string | null; dto: string | null };
    const passages = (this.db.prepare('SELECT count(*) AS n FROM passages').get() as { n: number }).n;
    const by_kind: Record<DocumentKind, number> = { bulletin: 0, strategy: 0, other: 0 };
    for (const row of this.db.prepare('SELECT kind, count(*) AS n FROM documents GROUP BY kind').all() as { kind: DocumentKind; n: number }[]) {
      by_kind[row.kind] = row.n;
    }
    return { documents: d.n, passages, pages: d.pages, by_kind, date_range: { from: d.dfrom, to: d.dto }, bytes: d.bytes };
  }
}
