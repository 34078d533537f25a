import type { Db, Statement } from './sqlite.js';

/** What the impact index covers (kept as one JSON value in meta). */
export interface ImpactState {
  /** Every passage with an id up to this one was indexed (0: nothing yet). */
  upTo: number;
  /** Passages indexed (those deleted since are still counted, until the index is built again). */
  passages: number;
  /** Postings stored. */
  postings: number;
  /** The mean terms per passage the impacts were computed with. */
  averageLength: number;
  /** Passages in the collection when it was built. */
  builtWith: number;
  /** Rows stored. */
  rows: number;
  /** Rows just after it was built (many more means many small writes: built again). */
  compactRows: number;
}

/** A passage's terms as the impact index reads them. */
export interface PassageTerms {
  id: number;
  title: string;
  section: string | null;
  text: string;
}

/**
 * The impact-ordered postings beside FTS5 (`impacts`, see
 * src/search/impacts.ts): a term's postings (passage and impact level) in
 * bands of levels, in chunks of ascending ids, each chunk one row. Derived data: it can always
 * be built again from the passages.
 */
export class ImpactRows {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      segments: p('SELECT id, band, n FROM impacts WHERE term = ? ORDER BY band DESC, id'),
      ids: p('SELECT ids FROM impacts WHERE id = ?').pluck(),
      postingsOf: p('SELECT coalesce(sum(n), 0) FROM impacts WHERE term = ?').pluck(),
      insert: p('INSERT INTO impacts (term, band, n, ids) VALUES (?, ?, ?, ?)'),
      rows: p('SELECT count(*) FROM impacts').pluck(),
      clear: p('DELETE FROM impacts'),
      clearChanged: p('DELETE FROM impacts_changed'),
      changed: p('SELECT id, title, section, text FROM impacts_changed ORDER BY id'),
      anyChanged: p('SELECT 1 FROM impacts_changed LIMIT 1').pluck(),
      rowsOf: p('SELECT id, band, ids FROM impacts WHERE term = ?'),
      rewrite: p('UPDATE impacts SET n = ?, ids = ? WHERE id = ?'),
      deleteRow: p('DELETE FROM impacts WHERE id = ?'),
      passage: p('SELECT id, title, section, text FROM passages WHERE id = ?'),
      dropState: p("DELETE FROM meta WHERE key = 'impacts'"),
      state: p("SELECT value FROM meta WHERE key = 'impacts'").pluck(),
      setState: p(
        "INSERT INTO meta(key, value) VALUES ('impacts', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      ),
      passagesAfter: p('SELECT id, title, section, text FROM passages WHERE id > ? ORDER BY id LIMIT ?'),
      livingUpTo: p('SELECT count(*) FROM passages WHERE id <= ?').pluck(),
      maxId: p('SELECT coalesce(max(id), 0) FROM passages').pluck(),
    };
  }

  state(): ImpactState | null {
    const v = this.s.state!.get() as string | undefined;
    return v ? (JSON.parse(v) as ImpactState) : null;
  }

  setState(state: ImpactState): void {
    this.s.setState!.run(JSON.stringify(state));
  }

  /** A term's chunks, highest band first (without their postings, read with `ids`). */
  segments(term: string): { id: number; band: number; n: number }[] {
    return this.s.segments!.all(term) as { id: number; band: number; n: number }[];
  }

  /** A term's postings, counted from its chunks' sizes. */
  postingsOf(term: string): number {
    return this.s.postingsOf!.get(term) as number;
  }

  ids(row: number): Uint8Array {
    return this.s.ids!.get(row) as Buffer;
  }

  insert(term: string, band: number, n: number, postings: Uint8Array): void {
    this.s.insert!.run(term, band, n, postings);
  }

  rowCount(): number {
    return this.s.rows!.get() as number;
  }

  clear(): void {
    this.s.clear!.run();
    this.s.clearChanged!.run();
  }

  /** Passages whose indexed columns changed since the index took them in, as it took them in. */
  changed(): PassageTerms[] {
    return this.s.changed!.all() as PassageTerms[];
  }

  /** Whether some passage's postings are waiting to be replaced (the index is then not used). */
  anyChanged(): boolean {
    return this.s.anyChanged!.get() !== undefined;
  }

  clearChanged(): void {
    this.s.clearChanged!.run();
  }

  /** A term's rows with their postings. */
  rowsOf(term: string): { id: number; band: number; ids: Buffer }[] {
    return this.s.rowsOf!.all(term) as { id: number; band: number; ids: Buffer }[];
  }

  /** Replaces a row's postings (none left: the row goes). */
  rewrite(row: number, n: number, postings: Uint8Array): void {
    if (n === 0) this.s.deleteRow!.run(row);
    else this.s.rewrite!.run(n, postings, row);
  }

  /** One passage's indexed columns, if it is still stored. */
  passage(id: number): PassageTerms | undefined {
    return this.s.passage!.get(id) as PassageTerms | undefined;
  }

  /** No impact index at all (the collection is too small to need one). */
  drop(): void {
    this.s.clear!.run();
    this.s.dropState!.run();
  }

  /** Passages after an id, in order, with the columns FTS5 indexes (title, section, text). */
  passagesAfter(id: number, limit: number): PassageTerms[] {
    return this.s.passagesAfter!.all(id, limit) as PassageTerms[];
  }

  /** Passages still stored among those up to an id. */
  livingUpTo(id: number): number {
    return this.s.livingUpTo!.get(id) as number;
  }

  /** The newest passage's id (0 when there is none). */
  maxPassageId(): number {
    return this.s.maxId!.get() as number;
  }
}
