import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { loadConfig, type Config } from '../src/config.js';
import { KnowledgeBase } from '../src/knowledge-base.js';
import { silentLogger } from '../src/log.js';
import { Store } from '../src/store/store.js';
import { Pipeline } from '../ingest/pipeline.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLES = path.join(ROOT, 'data', 'samples');
/** The team's shared folder beside the repository; absent on a newcomer's machine. */
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const HAS_SHARED = fs.existsSync(path.join(SHARED, 'corpus'));
export const BULLETINS = path.join(SHARED, 'corpus', 'bulletins');
export const PDFS = path.join(SHARED, 'corpus', 'pdfs');

if (!HAS_SHARED) {
  process.stderr.write(`note: ${SHARED} is not present: the tests on the shared corpus are skipped\n`);
}

/** A fresh folder under this test run's temporary folder (removed when the run ends: test/global-setup.ts). */
export function tempDir(prefix = 'kb-test-'): string {
  const root =
    process.env.KB_TEST_TMP && fs.existsSync(process.env.KB_TEST_TMP) ? process.env.KB_TEST_TMP : os.tmpdir();
  return fs.mkdtempSync(path.join(root, prefix));
}

export function testConfig(overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  return loadConfig({}, { dataDir: tempDir(), logLevel: 'silent', ...overrides });
}

/** A store and pipeline over a fresh data dir. */
export function openPipeline(overrides: Partial<Record<keyof Config, unknown>> = {}): {
  config: Config;
  store: Store;
  pipeline: Pipeline;
} {
  const config = testConfig(overrides);
  const store = Store.open(config.dataDir);
  return { config, store, pipeline: new Pipeline({ store, config, log: silentLogger }) };
}

export function writeFile(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/**
 * A read-only connection to a data folder's database, for tests to look
 * inside (the program itself keeps all SQL in src/store). Closed by the caller.
 */
export function inspect(dataDir: string): Database.Database {
  return new Database(path.join(dataDir, 'kb.sqlite'), { readonly: true, fileMustExist: true });
}

/** Runs one query on a data folder's database and closes the connection. */
export function query<T = Record<string, any>>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = inspect(dataDir);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Every stored passage is exactly the slice of its document's text its offsets name. */
export function offsetsCheckOut(dataDir: string): boolean {
  const rows = query<{ text: string; start: number; end: number; doc: string }>(
    dataDir,
    'SELECT p.text, p.start, p."end", t.text AS doc FROM passages p JOIN document_text t ON t.doc_id = p.doc_id',
  );
  return rows.length > 0 && rows.every((r) => r.doc.slice(r.start, r.end) === r.text);
}

/** A knowledge base over a fresh data folder (offline, silent), with these paths ingested. */
export async function openKb(
  overrides: Partial<Record<keyof Config, unknown>> = {},
  paths: string[] = [],
): Promise<KnowledgeBase> {
  const config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent', ...overrides });
  const kb = await KnowledgeBase.open(config, silentLogger);
  if (paths.length) await kb.ingest(paths);
  return kb;
}

const BIN = path.join(ROOT, 'src', 'bin', 'kb.js');

/**
 * Runs the real `kb` command in a child process, as a script would; offline
 * unless the test says otherwise (no test may reach the internet).
 */
export function kb(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KB_OFFLINE: '1', ...env },
    timeout: 120_000,
  });
  const lines = r.stdout.split('\n').filter(Boolean);
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    json: () => lines.map((l) => JSON.parse(l) as Record<string, any>),
  };
}

/** A multipart/form-data body for inject() or fetch(): fields first, then files. */
export function multipart(
  files: { name: string; content: Buffer | string; field?: string }[],
  fields: Record<string, string> = {},
) {
  const boundary = '----kbtest' + Math.random().toString(16).slice(2);
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'file'}"; ` +
          `filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    chunks.push(Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The real server on a free port over a fresh data folder holding the bundled samples. */
export async function serveSamples(overrides: Partial<Record<keyof Config, unknown>> = {}) {
  const { serve } = await import('../src/server/serve.js');
  const kb = await openKb({ port: 0, ...overrides }, [SAMPLES]);
  const running = await serve(kb, kb.config, silentLogger);
  return { config: kb.config, kb, running };
}
