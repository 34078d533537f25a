/**
 * Retrieval quality, side by side with peers, in one process:
 *   npm run bench:quality [-- DIR]        (default ../shared/eval/cranfield)
 * Rows: our lexical, semantic and hybrid modes with the active embedder;
 * plain SQLite FTS5 bm25 over the same corpus (the reference, ratio 1.00);
 * MiniSearch and Orama with their documented defaults.
 * The product's parameters were set by reasoning (see the README's benchmark
 * section), except those of pseudo-relevance feedback, chosen on the
 * even-numbered half of the queries: the odd-numbered half, never used to
 * choose anything, is scored apart ("held out"), with feedback and without.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import MiniSearch from 'minisearch';
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { readCollection } from '../../src/eval/beir.js';
import { score, type Scores } from '../../src/eval/metrics.js';
import { runEval, type EvalRun } from '../../src/eval/run-eval.js';
import { ROOT, SHARED } from '../helpers.js';

const dir = process.argv[2] ?? path.join(SHARED, 'eval', 'cranfield');
if (!fs.existsSync(path.join(dir, 'corpus.jsonl'))) {
  console.error(`no collection at ${dir}: pass a folder in BEIR layout (corpus.jsonl, queries.jsonl, qrels/test.tsv)`);
  process.exit(2);
}
const collection = readCollection(dir);
const log = createLogger('warn');
const config = loadConfig(process.env, {});

type Row = Scores & { system: string; ms: number; heldOut: number };
const rows: Row[] = [];
/** The queries never used to choose a parameter: the odd-numbered half, in the collection's order. */
const heldOut = new Set(collection.queries.filter((_, i) => i % 2 === 1).map((q) => q.id));
const heldOutQrels = new Map([...collection.qrels].filter(([id]) => heldOut.has(id)));
const heldOutNdcg = (run: Map<string, string[]>) => score(run, heldOutQrels)['ndcg@10'];
const timed = async (system: string, fn: () => Promise<Map<string, string[]>> | Map<string, string[]>) => {
  const t = performance.now();
  const run = await fn();
  rows.push({
    system,
    ...score(run, collection.qrels),
    ms: Math.round(performance.now() - t),
    heldOut: heldOutNdcg(run),
  });
};

// The reference: plain FTS5 bm25, one column, the porter tokenizer, OR of the query's words.
await timed('SQLite FTS5 bm25 (reference)', () => {
  const db = new Database(':memory:');
  db.exec("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize = 'porter unicode61')");
  const insert = db.prepare('INSERT INTO docs (id, body) VALUES (?, ?)');
  db.transaction(() => {
    for (const d of collection.corpus) insert.run(d.id, `${d.title} ${d.text}`);
  })();
  const query = db.prepare('SELECT id FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 100');
  const run = new Map<string, string[]>();
  for (const q of collection.queries) {
    const words = q.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    run.set(q.id, words.length ? (query.pluck().all(words.map((w) => `"${w}"`).join(' OR ')) as string[]) : []);
  }
  db.close();
  return run;
});

// Ours, each mode, with the active embedder (the built-in one unless a model is installed).
const ours = await runEval(collection, config, log, {
  modes: ['lexical', 'semantic', 'hybrid'],
});
const oursRow = (r: (typeof ours.results)[number], run: EvalRun, suffix = '') => ({
  system: `ours: ${r.mode}${r.embedder ? ` (${r.embedder.replace(/@.*/, '')})` : ''}${suffix}`,
  ...r,
  ms: 0,
  heldOut: heldOutNdcg(run.runs.get(r.mode)!),
});
for (const r of ours.results) rows.push(oursRow(r, ours));
// The same without pseudo-relevance feedback, to show what it adds.
const plain = await runEval(collection, { ...config, feedbackTerms: 0 }, log, { modes: ['lexical', 'hybrid'] });
for (const r of plain.results) rows.push(oursRow(r, plain, ', no feedback'));

await timed('MiniSearch (defaults)', () => {
  const ms = new MiniSearch<{ id: string; title: string; text: string }>({ fields: ['title', 'text'] });
  ms.addAll(collection.corpus);
  return new Map(
    collection.queries.map((q) => [
      q.id,
      ms
        .search(q.text)
        .slice(0, 100)
        .map((r) => String(r.id)),
    ]),
  );
});

await timed('Orama (defaults)', async () => {
  const db = create({ schema: { cid: 'string', title: 'string', text: 'string' } as const });
  await insertMultiple(
    db,
    collection.corpus.map((d) => ({ cid: d.id, title: d.title, text: d.text })),
  );
  const run = new Map<string, string[]>();
  for (const q of collection.queries) {
    const res = await oramaSearch(db, { term: q.text, limit: 100 });
    run.set(
      q.id,
      res.hits.map((h) => String((h.document as { cid: string }).cid)),
    );
  }
  return run;
});

const ref = rows.find((r) => r.system.startsWith('SQLite FTS5'))!;
const pad = (s: string, n: number) => s.padEnd(n);
console.log(
  `\nRetrieval quality on ${path.basename(dir)}: ${collection.corpus.length} documents, ${collection.queries.length} ` +
    `judged queries (${ours.passages} passages in our store)\n`,
);
console.log(
  `${pad('system', 52)} ${pad('nDCG@10', 8)} ${pad('ratio', 6)} ${pad('R@100', 7)} ${pad('MRR@10', 7)} ` +
    `${pad('held out', 9)} ${pad('ratio', 6)}`,
);
for (const r of rows) {
  console.log(
    `${pad(r.system, 52)} ${pad(r['ndcg@10'].toFixed(4), 8)} ${pad((r['ndcg@10'] / ref['ndcg@10']).toFixed(3), 6)} ` +
      `${pad(r['recall@100'].toFixed(4), 7)} ${pad(r['mrr@10'].toFixed(4), 7)} ` +
      `${pad(r.heldOut.toFixed(4), 9)} ${pad((r.heldOut / ref.heldOut).toFixed(3), 6)}`,
  );
}
console.log(`\nheld out: nDCG@10 on the ${heldOut.size} odd-numbered queries, never used to choose a parameter`);
const out = path.join(ROOT, 'data', 'bench');
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, `quality-${new Date().toISOString().slice(0, 10)}.json`);
fs.writeFileSync(
  file,
  JSON.stringify(
    {
      collection: path.basename(dir),
      date: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
      rows,
    },
    null,
    2,
  ),
);
console.log(`\nwritten to ${path.relative(ROOT, file)}`);
