import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SearchMode } from '../api/responses.js';
import type { Config } from '../config.js';
import { KnowledgeBase } from '../knowledge-base.js';
import type { Logger } from '../log.js';
import type { SearchOptions } from '../search/searcher.js';
import type { Collection } from './beir.js';
import { score, type Scores } from './metrics.js';

export interface EvalResult extends Scores {
  mode: SearchMode;
  embedder: string | null;
}

export interface EvalRun {
  results: EvalResult[];
  documents: number;
  passages: number;
  ingest_ms: number;
  /** Per query, per mode: ranked corpus ids (for significance tests or tuning on a split). */
  runs: Map<SearchMode, Map<string, string[]>>;
}

/**
 * Ingests a BEIR collection into a fresh data dir (deleted afterwards unless
 * `keep`), runs every query in each mode, and scores the runs. Ingestion is
 * the product's own (normalise, split, embed), so the figures describe what
 * users get.
 */
export async function runEval(
  collection: Collection,
  config: Config,
  log: Logger,
  options: { modes: SearchMode[]; search?: Partial<SearchOptions>; keep?: boolean; queryIds?: Set<string> },
): Promise<EvalRun> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-eval-'));
  const kb = await KnowledgeBase.open({ ...config, dataDir, modelsDir: config.modelsDir }, log);
  try {
    const started = performance.now();
    const docOf = new Map<number, string>();
    for (const r of kb.ingestText(
      collection.corpus.map((d) => ({ sourceId: `beir:${d.id}`, title: d.title, text: d.text })),
    )) {
      if (r.document_id !== null) docOf.set(r.document_id, r.source_id.slice(5));
    }
    await kb.refresh();
    const ingest_ms = Math.round(performance.now() - started);
    const searcher = kb.searcherWith(options.search ?? {});
    const results: EvalResult[] = [];
    const runs = new Map<SearchMode, Map<string, string[]>>();
    const queries = options.queryIds
      ? collection.queries.filter((q) => options.queryIds!.has(q.id))
      : collection.queries;
    const qrels = new Map([...collection.qrels].filter(([q]) => queries.some((x) => x.id === q)));
    for (const mode of options.modes) {
      const run = new Map<string, string[]>();
      for (const q of queries) {
        const res = await searcher.search({ q: q.text, k: 100, mode, perDoc: 1, snippets: false });
        run.set(q.id, res.results.map((h) => docOf.get(h.citation.document_id)!).filter(Boolean));
      }
      runs.set(mode, run);
      results.push({
        ...score(run, qrels),
        mode,
        embedder: mode === 'lexical' ? null : (kb.embedderInfo()?.id ?? null),
      });
    }
    const stats = kb.stats();
    return { results, documents: stats.documents, passages: stats.passages, ingest_ms, runs };
  } finally {
    await kb.close();
    if (!options.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
