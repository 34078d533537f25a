import type { Db } from './sqlite.js';
import { Vocabulary } from './vocabulary.js';

/**
 * The database schema as an ordered list of migrations. Migration N brings a
 * database from version N-1 to N; the version is kept in `meta`.
 */
export const MIGRATIONS: readonly (string | ((db: Db) => void))[] = [
  // 1: documents, their text, passages, full-text index, embeddings, meta.
  `
  CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE documents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id    TEXT NOT NULL UNIQUE,
    sha256       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('bulletin', 'strategy', 'other')),
    mime         TEXT NOT NULL,
    title        TEXT NOT NULL,
    published_at TEXT CHECK (published_at IS NULL OR published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    author       TEXT,
    source_url   TEXT,
    file_name    TEXT NOT NULL,
    parent_id    INTEGER REFERENCES documents(id) ON DELETE SET NULL,
    pages        INTEGER,
    bytes        INTEGER NOT NULL,
    ingested_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL
  );
  CREATE INDEX documents_published ON documents(published_at);
  CREATE INDEX documents_kind ON documents(kind);
  CREATE INDEX documents_parent ON documents(parent_id);
  CREATE INDEX documents_sha ON documents(sha256);

  CREATE TABLE document_text (
    doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    text   TEXT NOT NULL
  );

  -- AUTOINCREMENT: a passage id is never reused, so a stale vector-index label
  -- can never point at a different passage.
  CREATE TABLE passages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id      INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    page        INTEGER,
    section     TEXT,
    title       TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    tokens      INTEGER NOT NULL,
    UNIQUE (doc_id, ord),
    CHECK (start >= 0 AND "end" > start)
  );
  CREATE INDEX passages_fingerprint ON passages(fingerprint);

  -- External-content FTS5 over passages. The document title is copied onto
  -- each passage so FTS5 can read every column it indexes from one table.
  CREATE VIRTUAL TABLE passages_fts USING fts5(
    title, section, text,
    content = 'passages', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, title, section, text)
    VALUES (new.id, new.title, coalesce(new.section, ''), new.text);
  END;
  CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, title, section, text)
    VALUES ('delete', old.id, old.title, coalesce(old.section, ''), old.text);
  END;
  CREATE TRIGGER passages_au AFTER UPDATE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, title, section, text)
    VALUES ('delete', old.id, old.title, coalesce(old.section, ''), old.text);
    INSERT INTO passages_fts(rowid, title, section, text)
    VALUES (new.id, new.title, coalesce(new.section, ''), new.text);
  END;

  CREATE TABLE embeddings (
    passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB NOT NULL,
    PRIMARY KEY (passage_id, model)
  ) WITHOUT ROWID;
  CREATE INDEX embeddings_model ON embeddings(model);
  `,
  // 2: a counter of changes to the embeddings (the vector index records the
  // value it reflects), and the fitted parameters of the built-in embedder.
  `
  INSERT OR IGNORE INTO meta(key, value) VALUES ('vectors_generation', '0');
  CREATE TRIGGER embeddings_ai AFTER INSERT ON embeddings BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vectors_generation';
  END;
  CREATE TRIGGER embeddings_ad AFTER DELETE ON embeddings BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vectors_generation';
  END;
  CREATE TABLE embedder_models (
    id         TEXT PRIMARY KEY,
    family     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    fitted_on  INTEGER NOT NULL,
    data       BLOB NOT NULL
  );
  `,
  // 3: FTS5's rank is bm25 with column weights (title, section, text), so
  // ORDER BY rank (which FTS5 can optimise) ranks by the weighted score.
  `
  INSERT INTO passages_fts(passages_fts, rank) VALUES ('rank', 'bm25(2.0, 1.5, 1.0)');
  `,
  // 4: per-term document counts of the FTS5 index, to leave out of a query
  // the words so common they carry almost no weight but cost the most.
  `
  CREATE VIRTUAL TABLE passages_vocab USING fts5vocab(passages_fts, 'row');
  `,
  // 5: text that recurs across documents (signatures, standing items), by
  // the fingerprint of its normalised words. `blocks` keeps each document's
  // headings and paragraphs (spans of its text) with their fingerprints, so a
  // paragraph seen again in a later document can be given a passage of its
  // own in both. `repeated_text` counts the documents and passages that carry
  // each repeated passage text, with the first and last publication dates.
  // Both are kept by the Store in the same transaction as every write.
  `
  CREATE TABLE blocks (
    doc_id      INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord         INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('heading', 'paragraph')),
    level       INTEGER,
    page        INTEGER,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (doc_id, ord)
  ) WITHOUT ROWID;
  CREATE INDEX blocks_fingerprint ON blocks(fingerprint, doc_id);
  DROP INDEX passages_fingerprint;
  CREATE INDEX passages_fingerprint ON passages(fingerprint, doc_id);
  CREATE TABLE repeated_text (
    fingerprint TEXT PRIMARY KEY,
    documents   INTEGER NOT NULL CHECK (documents >= 2),
    passages    INTEGER NOT NULL,
    first_date  TEXT,
    last_date   TEXT
  ) WITHOUT ROWID;
  INSERT INTO repeated_text (fingerprint, documents, passages, first_date, last_date)
    SELECT p.fingerprint, count(DISTINCT p.doc_id), count(*), min(d.published_at), max(d.published_at)
    FROM passages p JOIN documents d ON d.id = p.doc_id
    GROUP BY p.fingerprint HAVING count(DISTINCT p.doc_id) >= 2;
  `,
  // 6: originals released by a delete or a replacement, recorded in the same
  // transaction and removed from disk afterwards when no backup is running
  // (so a backup taken meanwhile still finds them, and a crash right after
  // the commit leaves nothing behind for good). And a log of changes to the
  // vectors: readers holding an index in memory catch up from it instead of
  // comparing every stored vector. Documents added as text (test collections)
  // have no original file.
  `
  ALTER TABLE documents ADD COLUMN has_original INTEGER NOT NULL DEFAULT 1 CHECK (has_original IN (0, 1));
  CREATE TABLE released_files (
    name        TEXT PRIMARY KEY,
    sha256      TEXT NOT NULL,
    released_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE vector_log (
    gen        INTEGER PRIMARY KEY,
    passage_id INTEGER NOT NULL,
    model      TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('add', 'remove'))
  );
  DROP TRIGGER embeddings_ai;
  DROP TRIGGER embeddings_ad;
  CREATE TRIGGER embeddings_ai AFTER INSERT ON embeddings BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vectors_generation';
    INSERT INTO vector_log (gen, passage_id, model, op)
    VALUES ((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'vectors_generation'), new.passage_id, new.model,
      'add');
  END;
  CREATE TRIGGER embeddings_ad AFTER DELETE ON embeddings BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vectors_generation';
    INSERT INTO vector_log (gen, passage_id, model, op)
    VALUES ((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'vectors_generation'), old.passage_id, old.model,
      'remove');
  END;
  `,
  // 7: the words of the collection with their stems (see vocabulary.ts), for
  // completing the word being typed and correcting typos; filled from the
  // passages already stored.
  (db: Db) => {
    db.exec('CREATE TABLE vocabulary (word TEXT PRIMARY KEY, stem TEXT NOT NULL) WITHOUT ROWID');
    const vocabulary = new Vocabulary(db);
    const next = db.prepare('SELECT id, text FROM passages WHERE id > ? ORDER BY id LIMIT 1000');
    for (let after = 0; ;) {
      const rows = next.all(after) as { id: number; text: string }[];
      if (!rows.length) break;
      for (const r of rows) vocabulary.add(r.text);
      after = rows[rows.length - 1]!.id;
    }
  },
  // 8: the pages of a document whose text was recognised from a scan (OCR), with their confidence.
  (db: Db) => {
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('documents') as string[];
    if (!columns.includes('ocr_pages')) db.exec('ALTER TABLE documents ADD COLUMN ocr_pages TEXT');
  },
  // 9: what each web address answered when last fetched, for conditional requests and to know where it led.
  `
  CREATE TABLE IF NOT EXISTS web_fetches (
    url           TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('page', 'listing', 'file', 'sitemap', 'feed')),
    etag          TEXT,
    last_modified TEXT,
    sha256        TEXT NOT NULL,
    source_id     TEXT,
    links         TEXT NOT NULL DEFAULT '{}',
    fetched_at    TEXT NOT NULL
  );
  `,
  // 10: impact-ordered postings beside FTS5, for a lexical leg whose cost does not grow with the collection
  // (see src/search/impacts.ts); derived from the passages, built when the collection is large enough.
  `
  CREATE TABLE IF NOT EXISTS impacts (
    id    INTEGER PRIMARY KEY,
    term  TEXT NOT NULL,
    band  INTEGER NOT NULL,
    n     INTEGER NOT NULL,
    ids   BLOB NOT NULL
  );
  CREATE INDEX IF NOT EXISTS impacts_term ON impacts(term, band, n);
  `,
  // 11: passages whose indexed columns changed in place (a kept passage under a new heading) since the impact
  // index took them in, with the text it took in, so their postings can be replaced (see impact-keeper.ts).
  `
  CREATE TABLE IF NOT EXISTS impacts_changed (
    id      INTEGER PRIMARY KEY,
    title   TEXT NOT NULL,
    section TEXT,
    text    TEXT NOT NULL
  );
  CREATE TRIGGER IF NOT EXISTS passages_impacts_au AFTER UPDATE OF title, section, text ON passages
  WHEN (old.title IS NOT new.title OR old.section IS NOT new.section OR old.text IS NOT new.text)
    AND old.id <= coalesce((SELECT json_extract(value, '$.upTo') FROM meta WHERE key = 'impacts'), 0)
  BEGIN
    INSERT OR IGNORE INTO impacts_changed (id, title, section, text) VALUES (old.id, old.title, old.section, old.text);
  END;
  `,
];

/** The statement that recomputes one fingerprint's row of repeated_text (migration 5). */
export const REPEATED_TEXT_SQL = `
  INSERT INTO repeated_text (fingerprint, documents, passages, first_date, last_date)
  SELECT p.fingerprint, count(DISTINCT p.doc_id), count(*), min(d.published_at), max(d.published_at)
  FROM passages p JOIN documents d ON d.id = p.doc_id
  WHERE p.fingerprint = ?
  GROUP BY p.fingerprint HAVING count(DISTINCT p.doc_id) >= 2`;

/** bm25() column weights set as the FTS5 rank by migration 3: title, section, text. */
export const BM25_WEIGHTS = [2.0, 1.5, 1.0] as const;

export const SCHEMA_VERSION = MIGRATIONS.length;
