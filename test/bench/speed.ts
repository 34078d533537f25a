/**
 * Speed and scale on synthetic bulletin-like corpora:
 *   npm run bench                 10,000 and 100,000 passages
 *   npm run bench -- --quick      10,000 passages, a shorter load test (under two minutes)
 *   npm run bench -- --large      adds 1,000,000 passages
 *   npm run bench -- --only=1000000   just the sizes named
 *   npm run bench -- --only=1000000 --keep=/tmp/kb-1m
 *                                 build the corpus in that folder and keep it;
 *                                 a later run with the same --keep measures
 *                                 it again without ingesting (ingest figures
 *                                 are then left out)
 * Every latency is reported beside a bare FTS5 query and a bare HNSW k-NN
 * measured in the same run, so our overhead is a ratio, not a number that
 * depends on how busy the machine is.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { parseQuery, toFtsQuery } from '../../src/search/query.js';
import { blobToVector } from '../../src/vector/codec.js';
import { efForSize } from '../../src/vector/hnsw-index.js';
import { ExactIndex } from '../../src/vector/exact-index.js';
import { inspect, ROOT } from '../helpers.js';
import { generator } from './synthetic.js';
import { benchEmbedding } from './embedding.js';
import { benchOcr } from './ocr.js';
import { loadServe } from './load.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = process.argv.find((a) => a.startsWith('--only='));
const keep = process.argv.find((a) => a.startsWith('--keep='))?.slice(7);
const sizes = only
  ? only.slice(7).split(',').map(Number)
  : quick
    ? [10_000]
    : [10_000, 100_000, ...(args.has('--large') ? [1_000_000] : [])];
const QUERIES = 200;
const PASSAGES_PER_DOC = 10;
const log = createLogger('warn');

function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(at(50)), p95: r(at(95)), p99: r(at(99)) };
}

async function time<T>(queries: T[], fn: (q: T) => unknown): Promise<number[]> {
  for (const q of queries.slice(0, 20)) await fn(q); // warm-up
  const out: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await fn(q);
    out.push(performance.now() - t);
  }
  return out;
}

const fileSize = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);

async function benchSize(n: number) {
  const dataDir = keep ? path.resolve(keep, String(n)) : fs.mkdtempSync(path.join(os.tmpdir(), 'kb-bench-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig(process.env, {
    dataDir,
    embedder: 'builtin',
    logLevel: 'warn',
    rateLimitReads: 1_000_000_000,
    port: 0,
  });
  const kb = await KnowledgeBase.open(config, log);
  const gen = generator(n);
  const kinds = ['bulletin', 'strategy', 'other'] as const;

  // Ingest: text, split and write (embedding excluded), then vectors and index.
  // A kept corpus is not ingested again, but the generator is replayed so
  // the queries are the same.
  const reused = kb.store.stats().passages > 0;
  if (reused) process.stderr.write(`  measuring the corpus kept in ${dataDir}\n`);
  const t0 = performance.now();
  const docs = Math.ceil(n / PASSAGES_PER_DOC);
  for (let start = 0; start < docs; start += 1000) {
    const batch = [];
    for (let d = start; d < Math.min(docs, start + 1000); d++) {
      const topic = d % gen.topics;
      const text = Array.from({ length: PASSAGES_PER_DOC }, () => gen.passage(150, topic)).join('\n\n');
      batch.push({ sourceId: `synthetic:${d}`, title: gen.title(), text, publishedAt: gen.date(), kind: kinds[d % 3] });
    }
    if (!reused) kb.ingestText(batch);
  }
  const textMs = performance.now() - t0;
  const t1 = performance.now();
  await kb.refresh();
  const vectorMs = performance.now() - t1;
  const passages = kb.store.stats().passages;
  // The impact index's share of that refresh: dropped and built again alone.
  let impactMs = 0;
  if (kb.store.impacts.state()) {
    kb.store.transaction(() => kb.store.impacts.drop());
    const t2 = performance.now();
    await kb.refresh();
    impactMs = performance.now() - t2;
  }

  const queries = Array.from({ length: QUERIES }, () => gen.query());
  const embedder = kb.embeddings.queryEmbedder()!;
  const embedTimes: number[] = [];
  const vectors = new Map<string, Float32Array>();
  for (const q of queries) {
    const t = performance.now();
    vectors.set(q, await embedder.embedQuery(q));
    embedTimes.push(performance.now() - t);
  }
  const searcher = kb.searcher;
  const index = kb.index.current()!;
  const db = inspect(dataDir);
  const fts = db.prepare('SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rank LIMIT 10');
  const ftsQueries = new Map(queries.map((q) => [q, toFtsQuery(parseQuery(q))!]));

  const latency = {
    bare_fts5: percentiles(await time(queries, (q) => fts.all(ftsQueries.get(q)))),
    bare_knn: percentiles(await time(queries, (q) => index.search(vectors.get(q)!, 10))),
    lexical: percentiles(await time(queries, (q) => searcher.search({ q, k: 10, mode: 'lexical', perDoc: 3 }))),
    semantic: percentiles(
      await time(queries, (q) => searcher.search({ q, k: 10, mode: 'semantic', perDoc: 3, vector: vectors.get(q)! })),
    ),
    hybrid: percentiles(
      await time(queries, (q) => searcher.search({ q, k: 10, mode: 'hybrid', perDoc: 3, vector: vectors.get(q)! })),
    ),
    query_embedding: percentiles(embedTimes),
  };

  // What the lexical plan gives up: its top 10 against bm25 over every
  // query word (the plain OR query), and which plan each query took.
  const plans = { plain: 0, all_words_enough: 0, all_words_then_rarest: 0 };
  let agree = 0;
  let answered = 0;
  for (const q of queries) {
    const parsed = parseQuery(q);
    const plan = searcher.lexical.plan(parsed);
    const ours = searcher.lexical.rank(parsed, 50).slice(0, 10);
    if (!plan.all) plans.plain++;
    else if (searcher.lexical.rank(plan.all, 50, {}, { operator: 'AND' }).length >= 50) plans.all_words_enough++;
    else plans.all_words_then_rarest++;
    const full = new Set(searcher.lexical.rank(parsed, 10, {}, { prune: false }).map((r) => r.id));
    if (!full.size) continue; // no passage has any of the words
    answered++;
    agree += ours.filter((r) => full.has(r.id)).length / full.size;
  }
  const impactState = kb.store.impacts.state();
  const lexicalPlan = {
    overlap_at_10_with_full_or: Math.round((agree / Math.max(1, answered)) * 1000) / 1000,
    plans,
    budget: config.lexicalBudget,
    // With an impact index (collections of KB_IMPACT_MIN_PASSAGES or more), plain queries are answered from it.
    impact_index: impactState
      ? {
          budget: config.impactBudget,
          postings: impactState.postings,
          rows: impactState.rows,
          build_ms: Math.round(impactMs),
          passages_per_s: Math.round(passages / (impactMs / 1000)),
        }
      : null,
  };

  // HNSW recall@10 against exact search over the same stored vectors.
  const exact = new ExactIndex(embedder.dim);
  for (const row of db.prepare('SELECT passage_id AS id, vector FROM embeddings').iterate() as IterableIterator<{
    id: number;
    vector: Buffer;
  }>) {
    exact.add([{ id: row.id, vector: blobToVector(row.vector) }]);
  }
  // Two definitions: the share of the exact top-10 ids found, and (as
  // ann-benchmarks counts it) the share of results at least as close as the
  // exact 10th, within 1e-3, so equally near neighbours count as found.
  const sample = queries.slice(0, 100).filter((q) => vectors.get(q)!.some((x) => x !== 0));
  const truths = sample.map((q) => exact.search(vectors.get(q)!, 10));
  const recallAt = (ef: number) => {
    index.setEf(ef);
    let ids = 0;
    let near = 0;
    const ms: number[] = [];
    sample.forEach((q, i) => {
      const truth = truths[i]!;
      const t = performance.now();
      const got = index.search(vectors.get(q)!, 10);
      ms.push(performance.now() - t);
      const want = new Set(truth.map((h) => h.id));
      ids += got.filter((h) => want.has(h.id)).length;
      const threshold = truth[truth.length - 1]!.score - 1e-3;
      near += got.filter((h) => h.score >= threshold).length;
    });
    index.setEf(config.hnswEf);
    return {
      ef,
      ids: Math.round((ids / (sample.length * 10)) * 1000) / 1000,
      within_1e3: Math.round((near / (sample.length * 10)) * 1000) / 1000,
      knn_p95_ms: percentiles(ms).p95,
    };
  };
  // The breadth searches use (KB_HNSW_EF, by default chosen from the collection's size).
  const chosenEf = config.hnswEf === 'auto' ? efForSize(passages) : config.hnswEf;
  const efs = [64, 128, 320, 640, 1280, 2560, ...(n >= 1_000_000 ? [5120, 7680, 10240] : []), chosenEf];
  const recallByEf = [...new Set(efs)].sort((a, b) => a - b).map(recallAt);
  const recall = recallByEf.find((r) => r.ef === chosenEf)!.ids;

  // The server under load, with a search worker per core and with one (the baseline): see load.ts.
  db.close();
  kb.index.save();
  // 30 s at a million passages, where the queue (503 SEARCH_BUSY) is what keeps answers bounded.
  const seconds = quick ? 8 : n >= 1_000_000 ? 30 : 15;
  const load = await loadServe(dataDir, queries, { seconds });
  const oneWorker = await loadServe(dataDir, queries, { seconds, workers: 1 });
  const dbBytes = fileSize(path.join(dataDir, 'kb.sqlite')) + fileSize(path.join(dataDir, 'kb.sqlite-wal'));
  const indexBytes = fileSize(path.join(dataDir, 'vectors.hnsw'));
  await kb.close();
  if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });

  return {
    passages,
    embedder: embedder.id,
    ingest: reused
      ? null
      : {
          passages_per_s_without_embedding: Math.round(passages / (textMs / 1000)),
          passages_per_s_with_builtin_embedder: Math.round(passages / ((textMs + vectorMs) / 1000)),
          text_ms: Math.round(textMs),
          vectors_and_index_ms: Math.round(vectorMs),
        },
    latency_ms: latency,
    lexical_plan: lexicalPlan,
    overhead_hybrid_p95: Math.round((latency.hybrid.p95 / (latency.bare_fts5.p95 + latency.bare_knn.p95)) * 100) / 100,
    hnsw: { recall_at_10: recall, ef: chosenEf, ef_setting: config.hnswEf, queries: sample.length, by_ef: recallByEf },
    size: {
      db_bytes_per_passage: Math.round(dbBytes / passages),
      index_bytes_per_passage: Math.round(indexBytes / passages),
    },
    load: {
      ...load,
      one_worker: oneWorker,
      throughput_vs_one_worker: Math.round((load.requests_per_s / Math.max(1, oneWorker.requests_per_s)) * 100) / 100,
    },
  };
}

const results = [];
for (const n of sizes) {
  process.stderr.write(`benchmarking ${n.toLocaleString('en-GB')} passages…\n`);
  const r = await benchSize(n);
  results.push(r);
  const l = r.latency_ms;
  console.log(`\n${r.passages.toLocaleString('en-GB')} passages (${r.embedder.replace(/@.*/, '')})`);
  if (r.ingest)
    console.log(
      `  ingest: ${r.ingest.passages_per_s_without_embedding} passages/s without embedding, ` +
        `${r.ingest.passages_per_s_with_builtin_embedder} with the built-in embedder`,
    );
  else console.log('  ingest: not measured (a kept corpus was measured again)');
  console.log(`  latency ms (p50 / p95 / p99), query embedding excluded:`);
  for (const [name, p] of Object.entries(l))
    console.log(
      `    ${name.padEnd(16)} ${String(p.p50).padStart(7)} ${String(p.p95).padStart(7)} ${String(p.p99).padStart(7)}`,
    );
  const impacts = r.lexical_plan.impact_index;
  console.log(
    `  lexical leg: top 10 overlap with bm25 over every word ${r.lexical_plan.overlap_at_10_with_full_or} ` +
      (impacts
        ? `(impact index, ${impacts.budget} postings a query at most; ${impacts.postings} postings in ` +
          `${impacts.rows} rows, built in ${impacts.build_ms} ms, ${impacts.passages_per_s} passages/s)`
        : `(FTS5, plan budget ${r.lexical_plan.budget} postings; plans ${JSON.stringify(r.lexical_plan.plans)})`),
  );
  console.log(`  hybrid p95 overhead: ${r.overhead_hybrid_p95} × (bare FTS5 p95 + bare k-NN p95)`);
  console.log(
    `  HNSW recall@10 against exact: ${r.hnsw.recall_at_10} (ef ${r.hnsw.ef}); by ef (ids / within 1e-3 / k-NN p95 ` +
      `ms): ${r.hnsw.by_ef.map((x) => `${x.ef}: ${x.ids}/${x.within_1e3}/${x.knn_p95_ms}`).join(', ')}`,
  );
  console.log(
    `  size per passage: database ${r.size.db_bytes_per_passage} B, index ${r.size.index_bytes_per_passage} B`,
  );
  const one = r.load.one_worker;
  console.log(
    `  load (16 connections, ${r.load.seconds} s): ${r.load.requests_per_s} requests/s, p99 ${r.load.p99_ms} ms, ` +
      `${r.load.errors} errors, ${r.load.busy} busy (503), /api/health p99 ${r.load.health_p99_ms} ms; one worker: ` +
      `${one.requests_per_s} requests/s, p99 ${one.p99_ms} ms (${r.load.throughput_vs_one_worker} × with a worker ` +
      `per core); kb serve peak RSS ${r.load.server_peak_rss_mb} MiB (${one.server_peak_rss_mb} with one worker)`,
  );
  for (const [name, l] of [['a worker per core', r.load] as const, ['one worker', one] as const])
    if (l.cpu)
      console.log(
        `  cores in use under load (${name}): kb serve ${l.cpu.server_cores} (its HTTP thread ` +
          `${l.cpu.http_thread_cores}), the load generator ${l.cpu.load_generator_cores}, of ${l.cpu.machine_cores}`,
      );
}
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
const ocr = await benchOcr(quick ? 4 : 8);
console.log('\nembedding (bge-small stand-in beside the built-in embedder):');
const embedding = await benchEmbedding(quick);
console.log(`  built-in ${embedding.builtin.passagesPerSecond} passages/s`);
for (const [precision, q] of Object.entries(embedding.query))
  console.log(
    `  ${precision}: query alone p50 ${q.alone.p50} ms, p95 ${q.alone.p95} ms; during ingest p95 ` +
      `${q.duringIngest.p95} ms in the same worker, ${q.duringIngestApart.p95} ms in the query process (as kb serve)`,
  );
console.log(`\npeak RSS: ${peakRssMb} MiB`);
const out = path.join(ROOT, 'data', 'bench');
fs.mkdirSync(out, { recursive: true });
const file = path.join(
  out,
  `speed-${new Date().toISOString().slice(0, 10)}-` +
    sizes.map((n) => (n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`)).join('-') +
    `${quick ? '-quick' : ''}.json`,
);
fs.writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine:
        `${os.cpus().length} cores (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ` +
        `${process.version}`,
      peak_rss_mb: peakRssMb,
      results,
      ocr,
      embedding,
    },
    null,
    2,
  ),
);
console.log(`written to ${path.relative(ROOT, file)}`);
