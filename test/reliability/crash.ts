import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { generator } from '../bench/synthetic.js';
import { makeEml } from '../../data/generate/make-eml.js';
import { makePdf } from '../../data/generate/make-pdf.js';
import { ROOT, tempDir } from '../helpers.js';

/**
 * Crash safety, shared by test/reliability/crash.test.ts (a few rounds in CI) and
 * `npm run soak` (as many as asked): run the real `kb` in a child process,
 * SIGKILL it at a random moment, run it again, and compare what is stored
 * with what an uninterrupted run stores.
 */

const BIN = path.join(ROOT, 'src', 'bin', 'kb.js');
const SIGN_OFF = 'If you require any assistance please contact the Education Helpdesk on 0300 041 2000.';

/**
 * A folder of `n` bulletin-like documents: text, web pages, e-mails and a few PDFs, all dated, all signed off alike.
 */
export async function writeCorpus(dir: string, n: number, seed = 11): Promise<void> {
  const gen = generator(seed, 8_000);
  for (let i = 0; i < n; i++) {
    const day = new Date(Date.UTC(2020, 0, 7) + i * 7 * 86_400_000);
    const iso = day.toISOString().slice(0, 10);
    const long = day.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    const sections = Array.from(
      { length: 2 + (i % 3) },
      () => [gen.title(), gen.passage(60 + (i % 5) * 30, i % 12)] as const,
    );
    const name = `${iso}-weekly-update-${String(i).padStart(4, '0')}`;
    if (i % 50 === 7) {
      const pdf = await makePdf({
        title: `${long} strategy note`,
        created: day,
        sections: sections.map(([heading, p]) => ({ heading, paragraphs: [p] })),
      });
      fs.writeFileSync(path.join(dir, `${name}.pdf`), pdf);
    } else if (i % 5 === 1) {
      fs.writeFileSync(
        path.join(dir, `${name}.html`),
        `<html><head><title>${long} weekly update</title></head><body><main><h1>${long} weekly update</h1>` +
          sections.map(([h, p]) => `<h2>${h}</h2><p>${p}</p>`).join('') +
          `<p>${SIGN_OFF}</p></main></body></html>`,
      );
    } else if (i % 5 === 3) {
      fs.writeFileSync(
        path.join(dir, `${name}.eml`),
        makeEml({
          from: 'Director <director@example.org>',
          subject: `${long} weekly update`,
          date: day.toUTCString(),
          messageId: `crash-${i}@example.org`,
          text: `${sections.map(([h, p]) => `${h}\n\n${p}`).join('\n\n')}\n\n${SIGN_OFF}`,
        }),
      );
    } else {
      fs.writeFileSync(
        path.join(dir, `${name}.txt`),
        `${long} weekly update\n\n${sections.map(([h, p]) => `${h}\n\n${p}`).join('\n\n')}\n\n${SIGN_OFF}`,
      );
    }
  }
}

export interface KbRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** --json result lines printed before the end (or the kill). */
  lines: Record<string, any>[];
  ms: number;
  /** When the first result line came (null: none). */
  firstLineMs: number | null;
}

/**
 * Runs `kb --json …`; with `kill`, SIGKILLs it that many ms after it starts,
 * or (`afterFirstLine`) after its first result line, so the kill lands in
 * the work rather than in start-up.
 */
export function runKb(
  args: string[],
  kill?: { ms: number; afterFirstLine?: boolean },
  env: Record<string, string> = {},
): Promise<KbRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, '--json', ...args], {
      env: { ...process.env, KB_OFFLINE: '1', KB_LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let firstLineMs: number | null = null;
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      timer = setTimeout(() => child.kill('SIGKILL'), kill!.ms);
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (firstLineMs === null && out.includes('\n')) {
        firstLineMs = performance.now() - started;
        if (kill?.afterFirstLine) arm();
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    if (kill && !kill.afterFirstLine) arm();
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      // A line cut by the kill is not a report.
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as Record<string, any>);
      if (signal === null && code !== 0 && code !== 1) reject(new Error(`kb ${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ code, signal, lines, ms: performance.now() - started, firstLineMs });
    });
  });
}

/** What a data folder holds, by document source: enough to tell any loss or change. */
export function contents(
  dataDir: string,
): Map<string, { sha: string; title: string; date: string | null; passages: string[] }> {
  const db = new Database(path.join(dataDir, 'kb.sqlite'), { readonly: true });
  try {
    const out = new Map<string, { sha: string; title: string; date: string | null; passages: string[] }>();
    for (const d of db.prepare('SELECT id, source_id, sha256, title, published_at FROM documents').all() as {
      id: number;
      source_id: string;
      sha256: string;
      title: string;
      published_at: string | null;
    }[]) {
      const passages = db
        .prepare('SELECT text FROM passages WHERE doc_id = ? ORDER BY ord')
        .pluck()
        .all(d.id) as string[];
      out.set(d.source_id, { sha: d.sha256, title: d.title, date: d.published_at, passages });
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * The command a person runs after a crash when they are not about to ingest
 * again: `kb verify --repair` (any command that opens the data folder for
 * writing repairs the same things on the way in).
 */
export function repair(dataDir: string): string[] {
  const r = spawnSync(process.execPath, [BIN, '--json', '--data', dataDir, 'verify', '--repair'], {
    encoding: 'utf8',
    env: { ...process.env, KB_OFFLINE: '1', KB_LOG_LEVEL: 'error' },
  });
  return r.status === 0
    ? []
    : [`kb verify --repair exited ${r.status}: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`];
}

/** Files in the data folder no document needs: originals of deleted documents, temporary files of killed runs. */
export function leftovers(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'kb.sqlite'), { readonly: true });
  const needed = new Set(
    (
      db.prepare('SELECT sha256, file_name FROM documents WHERE has_original = 1').all() as {
        sha256: string;
        file_name: string;
      }[]
    ).map((d) => `${d.sha256}${(/\.[a-z0-9]{1,8}$/.exec(d.file_name.toLowerCase()) ?? ['.bin'])[0]}`),
  );
  db.close();
  const files = path.join(dataDir, 'files');
  const out: string[] = [];
  for (const f of fs.existsSync(files) ? fs.readdirSync(files) : [])
    if (!needed.has(f)) out.push(`files/${f}: no document needs it`);
  for (const f of fs.readdirSync(dataDir))
    if (f.endsWith('.tmp') || f.endsWith('.lock')) out.push(`${f}: left by a killed run`);
  for (const n of needed)
    if (!fs.existsSync(path.join(files, n))) out.push(`files/${n}: a document's original is missing`);
  return out;
}

/**
 * Problems `kb verify` finds (it checks the originals and stale files too), plus counts it does not show: every
 * passage has one FTS row and one vector, and nothing on disk that no document needs.
 */
export function problems(dataDir: string): string[] {
  const verify = spawnSync(process.execPath, [BIN, '--json', '--data', dataDir, 'verify'], {
    encoding: 'utf8',
    env: { ...process.env, KB_OFFLINE: '1', KB_LOG_LEVEL: 'error' },
  });
  const found: string[] = [];
  const report = verify.stdout.trim()
    ? (JSON.parse(verify.stdout.trim().split('\n').at(-1)!) as { ok: boolean; problems: string[] })
    : null;
  if (verify.status !== 0 || !report?.ok)
    found.push(...(report?.problems ?? [`kb verify exited ${verify.status}: ${verify.stderr}`]));
  const db = new Database(path.join(dataDir, 'kb.sqlite'), { readonly: true });
  try {
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const passages = n('SELECT count(*) AS n FROM passages');
    if (n('SELECT count(*) AS n FROM passages_fts_docsize') !== passages)
      found.push('FTS rows and passages differ in number');
    if (n('SELECT count(*) AS n FROM embeddings e LEFT JOIN passages p ON p.id = e.passage_id WHERE p.id IS NULL'))
      found.push('vectors of passages that are gone');
    if (
      n(
        `SELECT count(*) AS n FROM passages p WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.passage_id = p.id
          AND e.model = (SELECT value FROM meta WHERE key = 'embedder_id'))`,
      )
    )
      found.push('passages without a vector');
    if (n('SELECT count(*) AS n FROM passages p LEFT JOIN documents d ON d.id = p.doc_id WHERE d.id IS NULL'))
      found.push('passages without a document');
    if (report && (report as unknown as { index: { count: number } }).index.count !== passages)
      found.push('the vector index and the passages differ in number');
  } finally {
    db.close();
  }
  found.push(...leftovers(dataDir));
  return found;
}

export interface RoundReport {
  kind: 'ingest' | 'reindex' | 'delete' | 'backup';
  /** What the round did, for the summary (backups taken during the deletes). */
  note?: string;
  killedAfterMs: number;
  killed: boolean;
  reported: number;
  problems: string[];
}

export interface Reference {
  /** The data folder an uninterrupted ingest left (copied, never changed, by later rounds). */
  data: string;
  contents: ReturnType<typeof contents>;
  /** The ingest's duration, and when it reported its first document. */
  ms: number;
  firstLineMs: number;
}

/** A reference: the corpus ingested without interruption. */
export async function reference(corpus: string): Promise<Reference> {
  const data = tempDir('kb-ref-');
  const run = await runKb(['--data', data, 'ingest', corpus]);
  if (run.code !== 0) throw new Error(`the reference ingest failed: ${JSON.stringify(run.lines.at(-1))}`);
  return { data, contents: contents(data), ms: run.ms, firstLineMs: run.firstLineMs ?? 0 };
}

const same = (a: ReturnType<typeof contents>, b: ReturnType<typeof contents>): string[] => {
  const out: string[] = [];
  for (const [source, want] of a) {
    const got = b.get(source);
    if (!got) out.push(`${source}: missing`);
    else if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${source}: differs from an uninterrupted run`);
  }
  for (const source of b.keys()) if (!a.has(source)) out.push(`${source}: stored, but not by an uninterrupted run`);
  return out;
};

/**
 * Ingest killed at a random moment, then run again: every document the
 * killed run reported as added is there, everything matches an uninterrupted
 * run, and the store, FTS, vectors and index agree.
 */
export async function ingestRound(corpus: string, ref: Reference, rand: () => number): Promise<RoundReport> {
  const data = tempDir('kb-crash-');
  // Anywhere from the first document stored to just past the end (embedding, writing the index).
  const killAt = rand() * (ref.ms - ref.firstLineMs) * 1.05;
  const killed = await runKb(['--data', data, 'ingest', corpus], { ms: killAt, afterFirstLine: true });
  const added = killed.lines.filter((l) => l.status === 'added');
  const found: string[] = [];
  if (fs.existsSync(path.join(data, 'kb.sqlite'))) {
    const after = contents(data);
    for (const r of added) if (!after.has(r.source_id)) found.push(`${r.source_id}: reported added, then lost`);
  }
  const again = await runKb(['--data', data, 'ingest', corpus]);
  if (again.code !== 0) found.push(`the second ingest exited ${again.code}`);
  found.push(...same(ref.contents, contents(data)), ...problems(data));
  fs.rmSync(data, { recursive: true, force: true });
  return {
    kind: 'ingest',
    killedAfterMs: Math.round(killAt),
    killed: killed.signal === 'SIGKILL',
    reported: added.length,
    problems: found,
  };
}

export function copyOf(dir: string): string {
  const to = tempDir('kb-crash-');
  fs.cpSync(dir, to, { recursive: true });
  return to;
}

/**
 * `kb reindex` killed at a random moment: the next command finds everything consistent, with every passage embedded
 * once.
 */
export async function reindexRound(
  base: string,
  timing: { startMs: number; ms: number },
  rand: () => number,
): Promise<RoundReport> {
  const data = copyOf(base);
  const before = contents(data);
  const killAt = timing.startMs + rand() * (timing.ms - timing.startMs) * 1.05;
  const killed = await runKb(['--data', data, 'reindex'], { ms: killAt });
  const found = [...repair(data), ...same(before, contents(data)), ...problems(data)];
  fs.rmSync(data, { recursive: true, force: true });
  return {
    kind: 'reindex',
    killedAfterMs: Math.round(killAt),
    killed: killed.signal === 'SIGKILL',
    reported: killed.lines.length,
    problems: found,
  };
}

/**
 * `kb delete` of many documents killed at a random moment: the reported ones are gone, the others whole, and all
 * consistent.
 */
export async function deleteRound(
  base: string,
  timing: { ms: number; firstLineMs: number },
  ids: number[],
  rand: () => number,
): Promise<RoundReport> {
  const data = copyOf(base);
  const before = contents(data);
  const killAt = rand() * (timing.ms - timing.firstLineMs) * 1.05;
  const killed = await runKb(['--data', data, 'delete', ...ids.map(String)], { ms: killAt, afterFirstLine: true });
  const gone = new Set(killed.lines.filter((l) => l.status === 'deleted').map((l) => l.source_id as string));
  const after = contents(data);
  const found: string[] = [];
  for (const source of gone) if (after.has(source)) found.push(`${source}: reported deleted, still there`);
  for (const [source, doc] of before) {
    const now = after.get(source);
    if (now && JSON.stringify(now) !== JSON.stringify(doc)) found.push(`${source}: changed by deleting others`);
  }
  // A delete killed after its commit leaves originals behind only until the next command opens the folder.
  found.push(...repair(data), ...problems(data));
  fs.rmSync(data, { recursive: true, force: true });
  return {
    kind: 'delete',
    killedAfterMs: Math.round(killAt),
    killed: killed.signal === 'SIGKILL',
    reported: gone.size,
    problems: found,
  };
}

/**
 * Backups taken while documents are deleted: `kb delete` of many documents
 * runs while `kb backup` is taken again and again. Every backup restores into
 * a folder where every document has its original and `kb verify` passes;
 * the data folder, once the deletes are done, holds nothing no document needs.
 */
export async function backupRound(base: string, ids: number[], rand: () => number): Promise<RoundReport> {
  const data = copyOf(base);
  const dir = tempDir('kb-backups-');
  const found: string[] = [];
  let finished = false;
  const deleting = runKb(['--data', data, 'delete', ...ids.map(String)]).finally(() => (finished = true));
  const backups: string[] = [];
  await new Promise((r) => setTimeout(r, rand() * 200));
  while (!finished || backups.length === 0) {
    const file = path.join(dir, `backup-${backups.length}.kbb`);
    const b = await runKb(['--data', data, 'backup', file]);
    if (b.code !== 0) found.push(`backup ${backups.length} exited ${b.code}`);
    else if (b.lines.at(-1)?.missing_originals)
      found.push(`backup ${backups.length} missed ${b.lines.at(-1)!.missing_originals} originals`);
    backups.push(file);
  }
  const deleted = await deleting;
  for (const [i, file] of backups.entries()) {
    const restored = tempDir('kb-restored-');
    const r = await runKb(['--data', restored, 'restore', file]);
    if (r.code !== 0)
      found.push(`restoring backup ${i}: exited ${r.code} (${JSON.stringify(r.lines.at(-1)?.problems ?? '')})`);
    found.push(...problems(restored).map((p) => `restored backup ${i}: ${p}`));
    fs.rmSync(restored, { recursive: true, force: true });
  }
  found.push(...problems(data));
  fs.rmSync(data, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    kind: 'backup',
    note: `${backups.length} backups during the deletes`,
    killedAfterMs: 0,
    killed: false,
    reported: deleted.lines.filter((l) => l.status === 'deleted').length,
    problems: found,
  };
}

/** How long `kb reindex` and `kb delete` (of `ids`) take on a copy of `base`, and when their work starts. */
export async function timings(
  base: string,
  ids: number[],
): Promise<{ reindex: { startMs: number; ms: number }; delete: { ms: number; firstLineMs: number } }> {
  const start = await runKb(['--data', copyOf(base), 'stats']);
  const reindex = await runKb(['--data', copyOf(base), 'reindex']);
  const del = await runKb(['--data', copyOf(base), 'delete', ...ids.map(String)]);
  return { reindex: { startMs: start.ms, ms: reindex.ms }, delete: { ms: del.ms, firstLineMs: del.firstLineMs ?? 0 } };
}

/** Deterministic randomness for reproducible rounds. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}
