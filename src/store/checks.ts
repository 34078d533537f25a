import type { Db } from './sqlite.js';

/**
 * Consistency checks that need only the database: SQLite's own integrity
 * check, foreign keys, the FTS5 index against its content table, passage
 * offsets against the stored text, repeated-text counts, and the vectors
 * against the passages. Each returns the problems found, in words.
 */
export function checkDatabase(db: Db, ftsCheck: () => void): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
  if (integrity.length !== 1 || integrity[0]!.integrity_check !== 'ok')
    problems.push(...integrity.map((r) => `sqlite: ${r.integrity_check}`));
  const fk = db.pragma('foreign_key_check') as unknown[];
  if (fk.length) problems.push(`sqlite: ${fk.length} rows break foreign keys`);
  try {
    ftsCheck();
  } catch (err) {
    problems.push(`fts: ${(err as Error).message}`);
  }
  const count = (sql: string, ...params: unknown[]) =>
    db
      .prepare(sql)
      .pluck()
      .get(...params) as number;
  const bad = count(
    'SELECT count(*) FROM passages p JOIN document_text t ON t.doc_id = p.doc_id WHERE substr(t.text, p.start + ' +
      '1, p."end" - p.start) <> p.text',
  );
  if (bad) problems.push(`passages: ${bad} passages whose offsets do not match the stored text`);
  const noText = count(
    'SELECT count(*) FROM documents d LEFT JOIN document_text t ON t.doc_id = d.id WHERE t.doc_id IS NULL',
  );
  if (noText) problems.push(`documents: ${noText} documents without text`);
  const repeats = count(
    `WITH truth AS (
       SELECT p.fingerprint, count(DISTINCT p.doc_id) AS documents, count(*) AS passages, min(d.published_at) AS
         first_date, max(d.published_at) AS last_date
       FROM passages p JOIN documents d ON d.id = p.doc_id GROUP BY p.fingerprint HAVING count(DISTINCT p.doc_id) >= 2)
     SELECT (SELECT count(*) FROM (SELECT * FROM truth EXCEPT SELECT * FROM repeated_text))
          + (SELECT count(*) FROM (SELECT * FROM repeated_text EXCEPT SELECT * FROM truth))`,
  );
  if (repeats) problems.push(`repeated text: ${repeats} counts differ from the passages`);
  return problems;
}

/**
 * FTS5's own check of its index against the content table (a command SQLite runs as an INSERT, so it needs a writable
 * connection; it changes nothing).
 */
export function checkFts(db: Db): void {
  db.prepare("INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 1)").run();
}
