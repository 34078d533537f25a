import fs from 'node:fs';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFolder } from '../../src/data-folder.js';
import { Store } from '../../src/store/store.js';
import { sqliteError } from '../../src/store/sqlite.js';
import type { NewDocument, NewPassage } from '../../src/store/types.js';
import { fingerprint, sha256 } from '../../src/text/words.js';
import { query, tempDir } from '../helpers.js';

/** The store on its own: documents, passages, originals and meta through its parts, and what it refuses. */
const opened: Store[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
const open = (dir = tempDir(), readonly = false) => {
  const s = Store.open(dir, { readonly });
  opened.push(s);
  return s;
};

const passage = (text: string, start: number, section: string | null = null): NewPassage => ({
  text,
  start,
  end: start + text.length,
  page: null,
  section,
  fingerprint: fingerprint(text),
  tokens: text.split(/\s+/).length,
});

function doc(sourceId: string, paragraphs: string[], bytes = Buffer.from(paragraphs.join('\n\n'))): NewDocument {
  let at = 0;
  const passages = paragraphs.map((p) => {
    const out = passage(p, at);
    at += p.length + 2;
    return out;
  });
  return {
    source_id: sourceId,
    sha256: sha256(bytes),
    kind: 'bulletin',
    mime: 'text/plain',
    title: `Title of ${sourceId}`,
    published_at: '2024-03-05',
    author: null,
    source_url: null,
    file_name: `${sourceId}.txt`,
    parent_id: null,
    pages: null,
    bytes: bytes.length,
    text: paragraphs.join('\n\n'),
    blocks: [],
    passages,
  };
}

describe('the store', () => {
  it('replacing a document keeps its id and the ids of passages whose text did not change', () => {
    const store = open();
    const v1 = doc('a', [
      'Attendance rose in every district this autumn.',
      'Apprenticeships began in January.',
      'Exams start in May.',
    ]);
    const { id } = store.transaction(() => store.documents.upsert(v1));
    const before = store.documents.passagesOf(id);
    const v2 = doc(
      'a',
      [
        'Attendance rose in every district this autumn.',
        'Apprenticeships began in February, a month late.',
        'Exams start in May.',
      ],
      Buffer.from('v2'),
    );
    const r = store.transaction(() => store.documents.upsert(v2));
    expect(r).toEqual({ id, created: false });
    const after = store.documents.passagesOf(id);
    expect(after[0]!.id).toBe(before[0]!.id);
    expect(after[1]!.id).not.toBe(before[1]!.id);
    // The third moved (its offsets changed), so it is a new passage.
    expect(after.map((p) => p.text)).toEqual(v2.passages.map((p) => p.text));
    expect(
      query(store.folder.dir, 'SELECT count(*) AS n FROM passages_fts WHERE passages_fts MATCH ?', '"january"')[0]!.n,
    ).toBe(0);
    expect(store.check()).toEqual([]);
  });

  it('a passage kept through a new split takes the section of the new split', () => {
    const store = open();
    const first = doc('s', ['Over 5,000 children are supported.', 'Cases closed well.']);
    const { id } = store.transaction(() => store.documents.upsert(first));
    const before = store.documents.passagesOf(id);
    const resplit = first.passages.map((p) => ({ ...p, section: 'Early Help Strategy' }));
    const r = store.transaction(() => store.documents.replacePassages(id, resplit));
    expect(r).toEqual({ kept: 2, replaced: 0 });
    const after = store.documents.passagesOf(id);
    expect(after.map((p) => p.id)).toEqual(before.map((p) => p.id));
    expect(after.map((p) => p.section)).toEqual(['Early Help Strategy', 'Early Help Strategy']);
    expect(
      query(
        store.folder.dir,
        'SELECT count(*) AS n FROM passages_fts WHERE passages_fts MATCH ?',
        'section:strategy',
      )[0]!.n,
    ).toBe(2);
    expect(store.check()).toEqual([]);
  });

  it('an older database gains the vocabulary of the passages it holds when it is upgraded', () => {
    const dir = tempDir();
    const store = Store.open(dir);
    store.transaction(() => store.documents.upsert(doc('v', ['Apprenticeships began in January.'])));
    store.close();
    // The database as version 6 left it: no vocabulary table.
    const db = new Database(path.join(dir, 'kb.sqlite'));
    db.exec("DROP TABLE vocabulary; UPDATE meta SET value = '6' WHERE key = 'schema_version'");
    db.close();
    const upgraded = open(dir);
    expect(upgraded.meta.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(upgraded.vocabulary.startingWith('appren', 10)).toEqual([
      { word: 'apprenticeships', stem: 'apprenticeship' },
    ]);
    expect(upgraded.vocabulary.has('january')).toBe(true);
    // Numbers are neither completed nor corrected, so they are not kept.
    upgraded.transaction(() => upgraded.documents.upsert(doc('w', ['In 2024 there were 5,000 KS2 pupils.'])));
    expect(upgraded.vocabulary.has('2024')).toBe(false);
    expect(upgraded.vocabulary.has('pupils')).toBe(true);
  });

  it('a delete releases the original in its transaction; the sweep removes it, never while a backup runs', () => {
    const store = open();
    const d = doc('b', ['Family hubs bring health visitors and early help under one roof.']);
    const id = store.transaction(() => {
      store.originals.put(d.sha256, d.file_name, Buffer.from('original bytes'));
      return store.documents.upsert(d).id;
    });
    const file = store.originals.pathOf(d.sha256, d.file_name);
    expect(fs.existsSync(file)).toBe(true);
    store.transaction(() => store.documents.delete(id));
    expect(store.documents.originals.released()).toEqual([{ sha256: d.sha256, name: path.basename(file) }]);
    // A backup is running (its lock names a live process): nothing is removed.
    const lock = new DataFolder(store.folder.dir).backupLock(process.ppid);
    fs.writeFileSync(lock, String(process.ppid));
    expect(store.sweepOriginals()).toEqual([]);
    expect(fs.existsSync(file)).toBe(true);
    fs.rmSync(lock);
    expect(store.sweepOriginals()).toEqual([path.basename(file)]);
    expect(fs.existsSync(file)).toBe(false);
    expect(store.documents.originals.released()).toEqual([]);
  });

  it('finds orphaned originals and the originals documents lack', () => {
    const store = open();
    const d = doc('c', ['Specialist places open in twelve mainstream schools.']);
    store.transaction(() => {
      store.originals.put(d.sha256, d.file_name, Buffer.from('x'.repeat(d.bytes)));
      store.documents.upsert(d);
    });
    fs.writeFileSync(path.join(store.originals.dir, `${'f'.repeat(64)}.pdf`), 'left by a write that never committed');
    expect(store.originals.check(store.documents.originals)).toEqual({
      missing: [],
      orphans: [`${'f'.repeat(64)}.pdf`],
    });
    expect(store.sweepOriginals({ orphans: true })).toEqual([`${'f'.repeat(64)}.pdf`]);
    fs.rmSync(store.originals.pathOf(d.sha256, d.file_name));
    expect(store.originals.check(store.documents.originals).missing).toHaveLength(1);
  });

  it('opened for reading, it creates and changes nothing, and refuses to write', () => {
    const dir = tempDir();
    const w = open(dir);
    w.transaction(() => w.documents.upsert(doc('d', ['The schools forum meets on Tuesday.'])));
    w.close();
    for (const f of ['-wal', '-shm']) fs.rmSync(path.join(dir, `kb.sqlite${f}`), { force: true });
    const before = fs.readdirSync(dir).sort();
    const mtime = fs.statSync(path.join(dir, 'kb.sqlite')).mtimeMs;
    const r = open(dir, true);
    expect(r.stats().documents).toBe(1);
    expect(r.passages.match('"forum"', 5)).toHaveLength(1);
    expect(() => r.transaction(() => r.documents.upsert(doc('e', ['x'])))).toThrow(
      expect.objectContaining({ code: 'DATA_READ_ONLY' }),
    );
    expect(r.sweepOriginals({ orphans: true })).toEqual([]);
    r.close();
    expect(fs.statSync(path.join(dir, 'kb.sqlite')).mtimeMs).toBe(mtime);
    expect(
      fs
        .readdirSync(dir)
        .sort()
        .filter((f) => !f.endsWith('-shm') && !f.endsWith('-wal')),
    ).toEqual(before);
  });

  it('a missing database opened for reading is an empty knowledge base, created once', () => {
    const dir = tempDir();
    const r = open(dir, true);
    expect(r.stats()).toMatchObject({ documents: 0, passages: 0 });
    expect(r.readonly).toBe(true);
  });

  it('the vector change log records every add and remove, in order', () => {
    const store = open();
    const { id } = store.transaction(() => store.documents.upsert(doc('f', ['One passage here.', 'And another one.'])));
    const ids = store.documents.passagesOf(id).map((p) => p.id);
    const g0 = store.meta.vectorsGeneration();
    store.transaction(() =>
      store.embeddings.insert(
        'm',
        1,
        ids.map((pid) => ({ id: pid, vector: Buffer.alloc(4) })),
      ),
    );
    store.transaction(() => store.documents.delete(id));
    const g1 = store.meta.vectorsGeneration();
    expect(g1 - g0).toBe(4);
    expect(store.embeddings.changesSince('m', g0, 100, g1)!.map((c) => [c.passage_id, c.op])).toEqual([
      [ids[0], 'add'],
      [ids[1], 'add'],
      [ids[0], 'remove'],
      [ids[1], 'remove'],
    ]);
    expect(store.embeddings.changesSince('m', g1, 100, g1)).toEqual([]);
    store.transaction(() => store.embeddings.pruneLog(g1));
    expect(store.embeddings.changesSince('m', g0, 100, g1)).toBeNull();
  });

  it('meta is read and written through typed accessors', () => {
    const store = open();
    expect(store.meta.embedder()).toBeNull();
    store.transaction(() =>
      store.meta.setEmbedder('builtin', { id: 'builtin-lsa-8d@abc', dim: 8, description: 'test' }),
    );
    expect(store.meta.embedder()).toEqual({
      id: 'builtin-lsa-8d@abc',
      kind: 'builtin',
      dim: 8,
      description: 'test',
      builtin: true,
    });
    expect(store.meta.schemaVersion()).toBeGreaterThanOrEqual(6);
  });

  it('check() finds passages whose offsets no longer match, and reports a damaged file, not throws', () => {
    const dir = tempDir();
    const store = open(dir);
    store.transaction(() => store.documents.upsert(doc('g', ['Offsets are checked against the stored text.'])));
    const db = new Database(path.join(dir, 'kb.sqlite'));
    db.prepare("UPDATE document_text SET text = 'changed behind its back'").run();
    db.close();
    expect(store.check()).toContain('passages: 1 passages whose offsets do not match the stored text');
    store.close();
    const file = path.join(dir, 'kb.sqlite');
    const bytes = fs.readFileSync(file);
    bytes.fill(0x41, 4096, 8192);
    fs.writeFileSync(file, bytes);
    for (const f of ['-wal', '-shm']) fs.rmSync(`${file}${f}`, { force: true });
    let problems: string[] = [];
    try {
      const damaged = open(dir);
      problems = damaged.check();
    } catch (err) {
      expect((err as { code?: string }).code).toBe('DATABASE_CORRUPT');
      return;
    }
    expect(problems.some((p) => /^(sqlite|database):/.test(p))).toBe(true);
  });

  it('SQLite and disk failures become errors a person can act on', () => {
    const e = (code: string) =>
      sqliteError(Object.assign(new Error(code), { code }), '/data/kb.sqlite') as { code: string };
    expect(e('SQLITE_FULL').code).toBe('DISK_FULL');
    expect(e('ENOSPC').code).toBe('DISK_FULL');
    expect(e('SQLITE_READONLY_DIRECTORY').code).toBe('DATA_READ_ONLY');
    expect(e('EROFS').code).toBe('DATA_READ_ONLY');
    expect(e('SQLITE_CORRUPT').code).toBe('DATABASE_CORRUPT');
    expect(e('SQLITE_NOTADB').code).toBe('DATABASE_CORRUPT');
    expect(e('SQLITE_BUSY').code).toBe('STORE_LOCKED');
    expect(e('SQLITE_CANTOPEN').code).toBe('DATABASE_UNOPENABLE');
  });
});
