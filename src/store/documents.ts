import { KbError } from '../errors.js';
import { OriginalRows } from './original-rows.js';
import { REPEATED_TEXT_SQL } from './schema.js';
import type { Db, Statement } from './sqlite.js';
import type { Vocabulary } from './vocabulary.js';
import type { BlockRow, DocumentRow, NewDocument, NewPassage, PassageRow } from './types.js';

const PASSAGE_COLUMNS = 'id, doc_id, ord, text, start, "end", page, section, fingerprint, tokens';

/**
 * Documents and what is written with them: their text, blocks and passages
 * (FTS5 kept in step by triggers), repeated-text counts, and the originals a
 * write releases. Every write that touches several rows runs inside the
 * caller's transaction (Store.transaction).
 */
export class Documents {
  private readonly s: Record<string, Statement>;
  /** Which originals the documents need, and which a write released. */
  readonly originals: OriginalRows;

  private readonly vocabulary: Vocabulary;

  constructor(db: Db, vocabulary: Vocabulary) {
    this.vocabulary = vocabulary;
    this.originals = new OriginalRows(db);
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      get: p('SELECT * FROM documents WHERE id = ?'),
      bySource: p('SELECT * FROM documents WHERE source_id = ?'),
      storedEmail: p(
        "SELECT * FROM documents WHERE sha256 = ? AND mime = 'message/rfc822' AND parent_id IS NULL LIMIT 1",
      ),
      children: p('SELECT * FROM documents WHERE parent_id = ? ORDER BY id'),
      under: p(
        'SELECT id, source_id FROM documents WHERE parent_id IS NULL AND substr(source_id, 1, ?) = ? ORDER BY id',
      ),
      text: p('SELECT text FROM document_text WHERE doc_id = ?').pluck(),
      passages: p(`SELECT ${PASSAGE_COLUMNS} FROM passages WHERE doc_id = ? ORDER BY ord`),
      passageCount: p('SELECT count(*) FROM passages WHERE doc_id = ?').pluck(),
      blocks: p('SELECT kind, level, page, start, "end", fingerprint FROM blocks WHERE doc_id = ? ORDER BY ord'),
      shaInUse: p('SELECT 1 FROM documents WHERE sha256 = ? AND id IS NOT ?'),
      sharedBlock: p(
        'SELECT 1 FROM blocks b JOIN documents d ON d.id = b.doc_id WHERE b.fingerprint = ? AND d.source_id <> ? ' +
          'LIMIT 1',
      ),
      firstCopies: p(
        `SELECT min(o.doc_id) FROM blocks b JOIN blocks o ON o.fingerprint = b.fingerprint AND o.doc_id <> b.doc_id AND
          o.kind = 'paragraph'
         WHERE b.doc_id = ? AND b.kind = 'paragraph' GROUP BY b.fingerprint HAVING count(DISTINCT o.doc_id) = 1`,
      ).pluck(),
      fingerprints: p('SELECT DISTINCT fingerprint FROM passages WHERE doc_id = ?').pluck(),
      update: p(
        `UPDATE documents SET sha256 = ?, kind = ?, mime = ?, title = ?, published_at = ?, author = ?, source_url = ?,
           file_name = ?, parent_id = ?, pages = ?, bytes = ?, has_original = ?, ocr_pages = ?, updated_at = ?
         WHERE id = ?`,
      ),
      insert: p(
        `INSERT INTO documents (sha256, kind, mime, title, published_at, author, source_url, file_name, parent_id,
          pages, bytes, has_original, ocr_pages, source_id, ingested_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deletePassages: p('DELETE FROM passages WHERE doc_id = ?'),
      deletePassage: p('DELETE FROM passages WHERE id = ?'),
      deleteText: p('DELETE FROM document_text WHERE doc_id = ?'),
      deleteBlocks: p('DELETE FROM blocks WHERE doc_id = ?'),
      deleteDocument: p('DELETE FROM documents WHERE id = ?'),
      insertText: p('INSERT INTO document_text (doc_id, text) VALUES (?, ?)'),
      insertBlock: p(
        'INSERT INTO blocks (doc_id, ord, kind, level, page, start, "end", fingerprint) VALUES (?, ?, ?, ?, ?, ' +
          '?, ?, ?)',
      ),
      insertPassage: p(
        `INSERT INTO passages (doc_id, ord, text, start, "end", page, section, title, fingerprint, tokens)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      moveOrds: p('UPDATE passages SET ord = -1 - ord WHERE doc_id = ?'),
      setOrd: p('UPDATE passages SET ord = ?, section = ?, page = ? WHERE id = ?'),
      dropRepeat: p('DELETE FROM repeated_text WHERE fingerprint = ?'),
      countRepeat: p(REPEATED_TEXT_SQL),
    };
  }

  get(id: number): DocumentRow | undefined {
    return this.s.get!.get(id) as DocumentRow | undefined;
  }

  bySource(sourceId: string): DocumentRow | undefined {
    return this.s.bySource!.get(sourceId) as DocumentRow | undefined;
  }

  /** A top-level e-mail stored with these bytes (an e-mail's identity is its Message-ID, known only after parsing). */
  storedEmail(sha256: string): DocumentRow | undefined {
    return this.s.storedEmail!.get(sha256) as DocumentRow | undefined;
  }

  /** Top-level documents whose identity is a path in this folder (its path ending in '/'). */
  under(folder: string): { id: number; source_id: string }[] {
    return this.s.under!.all(folder.length, folder) as { id: number; source_id: string }[];
  }

  childrenOf(id: number): DocumentRow[] {
    return this.s.children!.all(id) as DocumentRow[];
  }

  text(id: number): string | undefined {
    return this.s.text!.get(id) as string | undefined;
  }

  passagesOf(docId: number): PassageRow[] {
    return this.s.passages!.all(docId) as PassageRow[];
  }

  passageCount(docId: number): number {
    return this.s.passageCount!.get(docId) as number;
  }

  blocksOf(docId: number): BlockRow[] {
    return this.s.blocks!.all(docId) as BlockRow[];
  }

  /** True when some document other than `exceptId` has these raw bytes. */
  shaInUse(sha256: string, exceptId?: number): boolean {
    return this.s.shaInUse!.get(sha256, exceptId ?? null) !== undefined;
  }

  /** Which of these block fingerprints some other document (not `exceptSourceId`) has. */
  sharedBlocks(fingerprints: Iterable<string>, exceptSourceId: string): Set<string> {
    const out = new Set<string>();
    for (const f of new Set(fingerprints)) if (this.s.sharedBlock!.get(f, exceptSourceId)) out.add(f);
    return out;
  }

  /**
   * Documents other than `docId` that were, before it, the only one with a
   * paragraph it also has: they must be split again so the shared text gets
   * its own passage there too.
   */
  firstCopies(docId: number): number[] {
    return [...new Set(this.s.firstCopies!.all(docId) as number[])];
  }

  /**
   * Inserts a new document, or replaces the one with the same source_id:
   * metadata updated in place (the id is kept), text and blocks replaced, and
   * passages replaced except those whose text and span did not change (they
   * keep their ids, so links to them still work). Derived rows (FTS entries,
   * embeddings) of the passages that go go with them. A replaced original is
   * released. Call inside a transaction.
   */
  upsert(doc: NewDocument, now: string = new Date().toISOString()): { id: number; created: boolean } {
    const existing = this.bySource(doc.source_id);
    const original = doc.has_original === false ? 0 : 1;
    const fields = [
      doc.sha256,
      doc.kind,
      doc.mime,
      doc.title,
      doc.published_at,
      doc.author,
      doc.source_url,
      doc.file_name,
      doc.parent_id,
      doc.pages,
      doc.bytes,
      original,
      doc.ocr_pages ?? null,
    ];
    if (!existing) {
      const info = this.s.insert!.run(...fields, doc.source_id, now, now);
      const id = Number(info.lastInsertRowid);
      this.writeContent(id, doc);
      if (original) this.originals.keep(doc.sha256, doc.file_name);
      doc.passages.forEach((p, ord) => this.insertPassage(id, ord, p, doc.title));
      this.recountRepeats(new Set(doc.passages.map((p) => p.fingerprint)));
      return { id, created: true };
    }
    const id = existing.id;
    this.s.update!.run(...fields, now, id);
    this.s.deleteText!.run(id);
    this.s.deleteBlocks!.run(id);
    this.writeContent(id, doc);
    const titleChanged = existing.title !== doc.title;
    // With a new title every passage's FTS row changes: replace them all.
    if (titleChanged) this.s.deletePassages!.run(id);
    this.replacePassagesOf(id, doc.passages, doc.title, titleChanged ? [] : this.passagesOf(id));
    if (existing.has_original && (existing.sha256 !== doc.sha256 || existing.file_name !== doc.file_name || !original))
      this.originals.release(existing.sha256, existing.file_name, now);
    if (original) this.originals.keep(doc.sha256, doc.file_name);
    return { id, created: false };
  }

  /**
   * Deletes a document, the documents attached to it, and everything derived
   * from them (text, passages, FTS rows, embeddings); their originals are
   * released. Returns the deleted rows. Call inside a transaction.
   */
  delete(id: number, now: string = new Date().toISOString()): DocumentRow[] {
    const doc = this.get(id);
    if (!doc) throw new KbError('DOCUMENT_NOT_FOUND', { id });
    const deleted: DocumentRow[] = [];
    for (const child of this.childrenOf(id)) deleted.push(...this.delete(child.id, now));
    const touched = new Set(this.s.fingerprints!.all(id) as string[]);
    this.s.deleteDocument!.run(id);
    this.recountRepeats(touched);
    if (doc.has_original) this.originals.release(doc.sha256, doc.file_name, now);
    deleted.push(doc);
    return deleted;
  }

  /**
   * Replaces a document's passages with a new split of the same text.
   * Passages that come out the same (same span and text) keep their ids
   * (and vectors); their section and page are those of the new split.
   * Call inside a transaction.
   */
  replacePassages(docId: number, passages: NewPassage[]): { kept: number; replaced: number } {
    const doc = this.get(docId);
    if (!doc) throw new KbError('DOCUMENT_NOT_FOUND', { id: docId });
    return this.replacePassagesOf(docId, passages, doc.title, this.passagesOf(docId));
  }

  private replacePassagesOf(
    docId: number,
    passages: NewPassage[],
    title: string,
    old: PassageRow[],
  ): { kept: number; replaced: number } {
    const key = (p: { start: number; end: number; text: string }) => `${p.start}:${p.end}:${p.text}`;
    const wanted = new Set(passages.map(key));
    const touched = new Set<string>(passages.map((p) => p.fingerprint));
    const keep = new Map<string, PassageRow>();
    for (const p of old) {
      touched.add(p.fingerprint);
      if (wanted.has(key(p)) && !keep.has(key(p))) keep.set(key(p), p);
      else this.s.deletePassage!.run(p.id);
    }
    // Move kept passages out of the way of the new order first (UNIQUE(doc_id, ord)).
    if (keep.size) this.s.moveOrds!.run(docId);
    passages.forEach((p, ord) => {
      const kept = keep.get(key(p));
      if (!kept) this.insertPassage(docId, ord, p, title);
      // The same words may now fall under another heading (or the rules for headings changed).
      else this.s.setOrd!.run(ord, p.section, p.page, kept.id);
    });
    this.recountRepeats(touched);
    return { kept: keep.size, replaced: passages.length - keep.size };
  }

  private writeContent(id: number, doc: NewDocument): void {
    this.s.insertText!.run(id, doc.text);
    doc.blocks.forEach((b, ord) =>
      this.s.insertBlock!.run(id, ord, b.kind, b.level, b.page, b.start, b.end, b.fingerprint),
    );
  }

  private insertPassage(docId: number, ord: number, p: NewPassage, title: string): void {
    this.s.insertPassage!.run(docId, ord, p.text, p.start, p.end, p.page, p.section, title, p.fingerprint, p.tokens);
    this.vocabulary.add(p.text);
  }

  /** Recomputes repeated_text for these fingerprints. */
  private recountRepeats(fingerprints: Iterable<string>): void {
    for (const f of fingerprints) {
      this.s.dropRepeat!.run(f);
      this.s.countRepeat!.run(f);
    }
  }
}
