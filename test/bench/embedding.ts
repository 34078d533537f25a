/**
 * Embedding speed with a stand-in for bge-small-en-v1.5 (its shape, random
 * weights: the same compute, no meaning), beside the built-in embedder, in
 * the same run: passages per second by threads and batch size, query
 * latency alone and while documents are being embedded. Run by `npm run
 * bench` (at its end) or alone: `npx tsx test/bench/embedding.ts [--quick]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { embedHost } from '../../src/embed/embed-host.js';
import { TransformersEmbedder } from '../../src/embed/transformers.js';
import { loadConfig } from '../../src/config.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { silentLogger } from '../../src/log.js';
import { BGE_SMALL, makeBert } from '../fixtures/make-bert.js';
import { generator } from './synthetic.js';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export interface EmbeddingBench {
  model: string;
  passageWords: number;
  builtin: { passagesPerSecond: number };
  standIn: { precision: Precision; threads: number; batch: number; passagesPerSecond: number }[];
  query: Record<
    Precision,
    {
      alone: { p50: number; p95: number };
      /** Queries sent to the worker embedding the passages (answered between its slices). */
      duringIngest: During;
      /** Queries embedded in a process of their own, as `kb serve` does (KB_QUERY_PROCESS). */
      duringIngestApart: During;
    }
  >;
}
type Precision = 'int8' | 'fp32';
type During = { p50: number; p95: number; queries: number };

/** Query latency while the embedder embeds passages (twice the set), a query every 20 ms. */
async function queriesDuringIngest(e: TransformersEmbedder, passages: string[], queries: string[]): Promise<During> {
  const during: number[] = [];
  let ingesting = true;
  const ingest = e.embedDocuments([...passages, ...passages]).finally(() => (ingesting = false));
  for (let i = 0; ingesting; i++) {
    const t = performance.now();
    await e.embedQuery(queries[i % queries.length]!);
    if (ingesting) during.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  await ingest;
  return { p50: round(pct(during, 0.5)), p95: round(pct(during, 0.95)), queries: during.length };
}

export async function benchEmbedding(quick = false): Promise<EmbeddingBench> {
  const gen = generator(11, 30_000);
  const words = 200;
  const passages = Array.from({ length: quick ? 16 : 32 }, (_, i) => gen.passage(words, i % gen.topics));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-bench-embed-'));
  try {
    // The built-in embedder, fitted on a small collection of the same text.
    const config = loadConfig({}, { dataDir: path.join(root, 'data'), embedder: 'builtin', offline: true });
    const kb = await KnowledgeBase.open(config, silentLogger);
    kb.ingestText(
      Array.from({ length: 300 }, (_, d) => ({ sourceId: `g:${d}`, title: gen.title(), text: gen.passage(words) })),
    );
    await kb.refresh();
    const builtin = kb.embeddings.active()!;
    let t = performance.now();
    await builtin.embedDocuments(passages);
    const builtinRate = passages.length / ((performance.now() - t) / 1000);
    await kb.close();

    // As shipped (int8 weights, model_quantized.onnx, KB_QUANTIZED on) and in float32 (KB_QUANTIZED=0).
    const dirs = {
      int8: makeBert(path.join(root, 'bge-small-standin-int8'), gen.vocabulary, BGE_SMALL, { quantized: true }),
      fp32: makeBert(path.join(root, 'bge-small-standin'), gen.vocabulary),
    };
    const open = (precision: Precision, threads: number, batch: number) =>
      TransformersEmbedder.open({
        model: dirs[precision],
        modelsDir: root,
        offline: true,
        quantized: precision === 'int8',
        threads,
        batchSize: batch,
      });
    const standIn: EmbeddingBench['standIn'] = [];
    for (const precision of ['int8', 'fp32'] as const)
      for (const threads of [1, 2])
        for (const batch of quick ? [1, 32] : [1, 8, 32]) {
          const e = await open(precision, threads, batch);
          await e.embedDocuments(passages.slice(0, 2)); // warm up
          t = performance.now();
          await e.embedDocuments(passages);
          const passagesPerSecond = round(passages.length / ((performance.now() - t) / 1000));
          standIn.push({ precision, threads, batch, passagesPerSecond });
          await e.close();
          console.log(`  stand-in ${precision}, ${threads} thread(s), batch ${batch}: ${passagesPerSecond} passages/s`);
        }
    const queries = Array.from({ length: quick ? 20 : 50 }, () => gen.query());
    const query = {} as EmbeddingBench['query'];
    for (const precision of ['int8', 'fp32'] as const) {
      const e = await open(precision, 1, 32);
      const alone: number[] = [];
      for (const q of queries) {
        t = performance.now();
        await e.embedQuery(q);
        alone.push(performance.now() - t);
      }
      const duringIngest = await queriesDuringIngest(e, passages, queries);
      await e.close();
      embedHost.separateQueries(true);
      const apart = await open(precision, 1, 32);
      // Its copy of the model loads in the query process after the first query: wait for it.
      for (let n = embedHost.queryProcess!.answered; embedHost.queryProcess!.answered === n;)
        await apart.embedQuery(queries[0]!);
      const duringIngestApart = await queriesDuringIngest(apart, passages, queries);
      await apart.close();
      embedHost.separateQueries(false);
      query[precision] = {
        alone: { p50: round(pct(alone, 0.5)), p95: round(pct(alone, 0.95)) },
        duringIngest,
        duringIngestApart,
      };
    }
    return {
      model: 'bge-small-en-v1.5 stand-in (12 layers, 384 wide, 12 heads, random weights; int8 as shipped, float32)',
      passageWords: words,
      builtin: { passagesPerSecond: round(builtinRate) },
      standIn,
      query,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const r = await benchEmbedding(process.argv.includes('--quick'));
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}
