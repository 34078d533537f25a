import { Command, CommanderError, Option } from 'commander';
import { readManifest, Vectors } from '../vector/vectors.js';
import { loadConfig, type Config } from '../config.js';
import { KbError, toKbError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { Store } from '../store/store.js';
import { KnowledgeBase, recordedEmbedder } from '../knowledge-base.js';
import { DOCUMENT_KINDS, type DocumentKind } from '../store/types.js';
import type { IngestResult } from '../../ingest/pipeline.js';
import { createOutput, type Output } from './output.js';

/** Exit codes: what a script can rely on. */
export const EXIT = { OK: 0, SOME_FAILED: 1, USAGE: 2, ERROR: 3 } as const;

interface Context {
  config: Config;
  log: Logger;
  out: Output;
}

type GlobalOptions = {
  data?: string;
  embedder?: string;
  model?: string;
  offline?: boolean;
  json?: boolean;
  logLevel?: string;
  maxFileBytes?: string;
  parseTimeoutMs?: string;
  maxPdfPages?: string;
};

/**
 * Runs the `kb` command line and returns the exit code. `env` and the
 * streams are parameters so tests can run it in-process.
 */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = new Command('kb')
    .description('A searchable knowledge base of council bulletins and strategy documents, with cited passages.')
    .option('--data <dir>', 'data folder (database, index, stored files); env KB_DATA_DIR', undefined)
    .option('--json', 'machine-readable output on stdout (logs stay on stderr); env KB_JSON')
    .addOption(new Option('--log-level <level>', 'log detail on stderr; env KB_LOG_LEVEL').choices(['debug', 'info', 'warn', 'error', 'silent']))
    .option('--max-file-bytes <n>', 'largest file accepted, in bytes; env KB_MAX_FILE_BYTES')
    .option('--parse-timeout-ms <n>', 'time limit for parsing one document; env KB_PARSE_TIMEOUT_MS')
    .option('--max-pdf-pages <n>', 'largest PDF accepted, in pages; env KB_MAX_PDF_PAGES')
    .addOption(new Option('--embedder <kind>', 'embedder: auto (a model when installed), builtin or transformers; env KB_EMBEDDER').choices(['auto', 'builtin', 'transformers']))
    .option('--model <id-or-dir>', 'transformers.js model id or local model folder; env KB_MODEL')
    .option('--offline', 'never download models; env KB_OFFLINE=1')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => stdout.write(s),
      writeErr: (s) => stderr.write(s),
    })
    .showHelpAfterError('(run `kb --help` for usage)');

  const context = (): Context => {
    const o = program.opts<GlobalOptions>();
    const config = loadConfig(env, {
      dataDir: o.data,
      json: o.json,
      logLevel: o.logLevel,
      maxFileBytes: o.maxFileBytes,
      parseTimeoutMs: o.parseTimeoutMs,
      maxPdfPages: o.maxPdfPages,
      embedder: o.embedder,
      model: o.model,
      offline: o.offline,
    });
    const log = createLogger(config.logLevel, (line) => stderr.write(line + '\n'));
    return { config, log, out: createOutput(config.json, stdout, stderr) };
  };

  const withKb = async <T>(ctx: Context, fn: (kb: KnowledgeBase) => Promise<T> | T, options: { allowSwitch?: boolean } = {}): Promise<T> => {
    const kb = await KnowledgeBase.open(ctx.config, ctx.log, options);
    try {
      return await fn(kb);
    } finally {
      await kb.close();
    }
  };

  const withStore = async <T>(ctx: Context, fn: (store: Store) => Promise<T> | T): Promise<T> => {
    const store = Store.open(ctx.config.dataDir);
    try {
      // The vector index is derived data: repaired by whatever command runs next.
      new Vectors(ctx.config.dataDir, store, ctx.log, { efSearch: ctx.config.hnswEf, m: ctx.config.hnswM, efConstruction: ctx.config.hnswEfConstruction }).repair();
      return await fn(store);
    } finally {
      store.close();
    }
  };

  program
    .command('ingest')
    .description('add or update documents from files and folders (folders are read recursively)')
    .argument('<paths...>', 'files or folders: .txt .md .html .eml .pdf .docx')
    .addOption(new Option('--kind <kind>', 'record this kind instead of the detected one').choices(DOCUMENT_KINDS))
    .action(async (paths: string[], opts: { kind?: DocumentKind }) => {
      const ctx = context();
      exitCode = await withKb(ctx, (kb) => ingestCommand(ctx, kb, paths, opts.kind));
    });

  program
    .command('stats')
    .description('counts of documents, passages and pages, and the date range')
    .action(async () => {
      const ctx = context();
      await withStore(ctx, (store) => {
        const stats = { data_dir: ctx.config.dataDir, ...store.stats(), embedder: recordedEmbedder(store), index: readManifest(ctx.config.dataDir) };
        const embedder = stats.embedder ? `${stats.embedder.id} (${stats.embedder.dim} dimensions)${stats.embedder.builtin ? ' [built-in, offline]' : ''}` : 'none yet';
        const range = stats.date_range.from ? `${stats.date_range.from} to ${stats.date_range.to}` : 'no dates';
        ctx.out.result(
          stats,
          [
            `Data:      ${stats.data_dir}`,
            `Documents: ${stats.documents} (${stats.by_kind.bulletin} bulletins, ${stats.by_kind.strategy} strategy, ${stats.by_kind.other} other)`,
            `Passages:  ${stats.passages}`,
            `Pages:     ${stats.pages}`,
            `Dates:     ${range}`,
            `Embedder:  ${embedder}`,
            `Index:     ${stats.index ? `${stats.index.count} vectors` : 'not built'}`,
          ].join('\n'),
        );
      });
    });

  program
    .command('delete')
    .description('delete documents (and their attachments) by id, with everything derived from them')
    .argument('<ids...>', 'document ids')
    .action(async (ids: string[]) => {
      const ctx = context();
      const numbers = ids.map((id) => {
        if (!/^\d+$/.test(id)) throw new KbError('USAGE', { detail: `document id must be a number, got "${id}"` });
        return Number(id);
      });
      const { Pipeline } = await import('../../ingest/pipeline.js');
      exitCode = await withKb(ctx, async (kb) => {
        const pipeline = new Pipeline({ store: kb.store, config: ctx.config, log: ctx.log });
        let failed = 0;
        for (const id of numbers) {
          try {
            for (const doc of pipeline.delete(id)) {
              ctx.out.result({ document_id: doc.id, source_id: doc.source_id, status: 'deleted', title: doc.title }, `deleted   ${doc.id} ${doc.title}`);
            }
          } catch (err) {
            failed++;
            const e = toKbError(err);
            ctx.out.result({ document_id: id, status: 'failed', error: e.toJSON() }, `failed    ${id}: ${e.message}\n          ${e.hint}`);
          }
        }
        await kb.refresh();
        return failed ? EXIT.SOME_FAILED : EXIT.OK;
      });
    });

  const searchOptions = (cmd: Command) =>
    cmd
      .option('-k, --k <n>', 'how many results', '10')
      .option('--from <date>', 'published on or after (YYYY-MM-DD)')
      .option('--to <date>', 'published on or before (YYYY-MM-DD)')
      .addOption(new Option('--kind <kind>', 'only this kind of document').choices(DOCUMENT_KINDS))
      .option('--document <id>', 'only this document (and its attachments)');

  searchOptions(program.command('search').description('search passages by meaning and words; prints each with its citation'))
    .argument('<query...>', 'what to look for')
    .addOption(new Option('--mode <mode>', 'hybrid, semantic or lexical').choices(['hybrid', 'semantic', 'lexical']).default('hybrid'))
    .option('--per-doc <n>', 'at most this many passages per document', '3')
    .option('--all-repeats', 'list every copy of text repeated across documents at its own rank (default: one hit per text, standing text last)')
    .action(async (words: string[], opts: SearchCliOptions & { mode: 'hybrid' | 'semantic' | 'lexical'; perDoc: string; allRepeats?: boolean }) => {
      const ctx = context();
      const { Searcher } = await import('../search/search.js');
      const { quoteWithCitation, repeatNote } = await import('../search/citation.js');
      await withKb(ctx, async (kb) => {
        const req = searchRequest(ctx, words.join(' '), opts);
        const res = await new Searcher(kb).search({ ...req, mode: opts.mode, perDoc: positiveInt(opts.perDoc, '--per-doc', ctx.config.maxK), repeats: opts.allRepeats ? 'all' : 'collapse' });
        if (ctx.out.json) ctx.out.result(res, '');
        else {
          ctx.out.say(`${res.results.length} results for "${res.query}" (${res.mode}, ${res.took_ms} ms, embedder ${res.embedder?.id ?? 'none'})\n`);
          res.results.forEach((h, i) => ctx.out.say(`${i + 1}. ${quoteWithCitation(h.text.replace(/\s+/g, ' '), h.citation)}\n   ${h.citation.section ? `Section: ${h.citation.section}. ` : ''}Document ${h.citation.document_id}, characters ${h.citation.start}-${h.citation.end}${h.repeated ? `\n   ${repeatNote(h.repeated)}` : ''}\n`));
        }
      });
    });

  searchOptions(program.command('timeline').description('what the documents say about a query over time: mentions per month, first and latest, with quotes'))
    .argument('<query...>', 'what to look for')
    .addOption(new Option('--mode <mode>', 'hybrid (words, and the nearest in meaning), lexical (words only) or semantic').choices(['hybrid', 'semantic', 'lexical']).default('hybrid'))
    .option('--limit <n>', 'passages at most', '200')
    .option('--all-repeats', 'count every copy of repeated text (default: once, at its earliest date)')
    .option('--oldest-first', 'list quotes oldest first (default: newest first)')
    .action(async (words: string[], opts: SearchCliOptions & { mode: 'hybrid' | 'semantic' | 'lexical'; limit: string; allRepeats?: boolean; oldestFirst?: boolean }) => {
      const ctx = context();
      const { Searcher } = await import('../search/search.js');
      const { quoteWithCitation, monthLabel } = await import('../search/citation.js');
      await withKb(ctx, async (kb) => {
        const req = searchRequest(ctx, words.join(' '), opts);
        const res = await new Searcher(kb).timeline({
          q: req.q, mode: opts.mode, limit: positiveInt(opts.limit, '--limit', ctx.config.maxTimeline), repeats: opts.allRepeats ? 'all' : 'collapse',
          from: req.from, to: req.to, kind: req.kind, document: req.document,
        });
        if (ctx.out.json) return ctx.out.result(res, '');
        const months = res.months.filter((m) => m.count);
        ctx.out.say(`${res.total} passages about "${res.query}" (${res.by_words} with its words), in ${months.length} months${res.truncated ? ` (more have the words: raise --limit)` : ''}`);
        if (res.first) ctx.out.say(`first: ${res.first.date}, ${res.first.title}\nlatest: ${res.latest!.date}, ${res.latest!.title}`);
        const width = Math.max(1, ...months.map((m) => m.count));
        for (const m of res.months) ctx.out.say(`  ${monthLabel(m.month).padEnd(15)} ${'#'.repeat(Math.ceil((m.count / width) * 40))} ${m.count || ''}`);
        ctx.out.say('');
        const entries = [...res.months.flatMap((m) => m.passages), ...res.undated];
        if (!opts.oldestFirst) entries.reverse();
        for (const e of entries) ctx.out.say(`${e.is_first ? '[first] ' : e.is_latest ? '[latest] ' : ''}${quoteWithCitation(e.text.replace(/\s+/g, ' '), e.citation)}\n`);
      });
    });

  searchOptions(program.command('ask').description('an extractive answer: the sentences that best answer the question, with citations'))
    .argument('<question...>', 'the question')
    .action(async (words: string[], opts: SearchCliOptions) => {
      const ctx = context();
      const { Searcher } = await import('../search/search.js');
      const { ask } = await import('../search/ask.js');
      const { longDate } = await import('../search/citation.js');
      await withKb(ctx, async (kb) => {
        const req = searchRequest(ctx, words.join(' '), opts);
        const answer = await ask(new Searcher(kb), kb.embeddings.queryEmbedder(), {
          question: req.q,
          k: Math.min(req.k, 10),
          filters: { from: req.from, to: req.to, kind: req.kind, document: req.document },
        });
        if (ctx.out.json) ctx.out.result(answer, '');
        else if (!answer.answer.length) ctx.out.say('No answer found in the documents. Try other words, or `kb search`.');
        else {
          ctx.out.say(answer.answer.map((a) => `${a.text} [${a.cites.join(', ')}]`).join('\n') + '\n');
          for (const c of answer.citations) ctx.out.say(`[${c.n}] ${c.title}${c.date ? `, ${longDate(c.date)}` : ''}${c.page ? `, p. ${c.page}` : ''}${c.section ? ` (${c.section})` : ''}`);
        }
      });
    });

  program
    .command('serve')
    .description('serve the web search page and the API (default http://127.0.0.1:3000/)')
    .option('--port <n>', 'port; env KB_PORT')
    .option('--host <address>', 'address; env KB_HOST (a non-loopback address needs KB_API_TOKEN)')
    .action(async (opts: { port?: string; host?: string }) => {
      const ctx = context();
      const config = loadConfig(env, { ...ctx.config, port: opts.port ?? ctx.config.port, host: opts.host ?? ctx.config.host });
      const { serve } = await import('../server/serve.js');
      const kb = await KnowledgeBase.open(config, ctx.log);
      try {
        const running = await serve(kb, config, ctx.log, { handleSignals: true });
        ctx.log.info(`serving ${running.url} (API description at ${running.url}docs)`);
        ctx.out.result({ url: running.url }, `Open ${running.url} in a browser. Stop with Ctrl+C.`);
        await new Promise(() => {});
      } catch (err) {
        await kb.close();
        throw err;
      }
    });

  program
    .command('eval')
    .description('score retrieval on a test collection in BEIR layout (corpus.jsonl, queries.jsonl, qrels/test.tsv)')
    .argument('<dir>', 'the collection folder')
    .addOption(new Option('--mode <mode>', 'hybrid, semantic, lexical, or all').choices(['hybrid', 'semantic', 'lexical', 'all']).default('hybrid'))
    .action(async (dir: string, opts: { mode: 'hybrid' | 'semantic' | 'lexical' | 'all' }) => {
      const ctx = context();
      const { readCollection } = await import('../eval/beir.js');
      const { runEval } = await import('../eval/run-eval.js');
      const { Pipeline } = await import('../../ingest/pipeline.js');
      const collection = readCollection(dir);
      const modes = opts.mode === 'all' ? (['lexical', 'semantic', 'hybrid'] as const) : ([opts.mode] as const);
      ctx.log.info(`${collection.corpus.length} documents, ${collection.queries.length} judged queries`);
      const run = await runEval(collection, ctx.config, ctx.log, {
        modes: [...modes],
        ingestText: (kb, docs) => {
          const pipeline = new Pipeline({ store: kb.store, config: kb.config, log: ctx.log });
          kb.store.transaction(() => {
            for (const d of docs) pipeline.ingestText({ sourceId: `beir:${d.id}`, title: d.title, text: d.text });
          });
        },
      });
      for (const r of run.results) {
        ctx.out.result(r, `${r.mode.padEnd(8)} nDCG@10 ${r['ndcg@10'].toFixed(4)}  Recall@100 ${r['recall@100'].toFixed(4)}  MRR@10 ${r['mrr@10'].toFixed(4)}  (${r.queries} queries${r.embedder ? `, ${r.embedder}` : ''})`);
      }
    });

  program
    .command('reindex')
    .description('re-embed every passage with the configured embedder and rebuild the vector index')
    .action(async () => {
      const ctx = context();
      await withKb(ctx, async (kb) => {
        const started = Date.now();
        const progress = ctx.out.progress(kb.store.stats().passages);
        const report = await kb.reindex((done) => progress.update(done, 'embedding'));
        progress.stop();
        const info = kb.embedderInfo();
        ctx.out.result(
          { embedder: info && { id: info.id, dim: info.dim, builtin: info.builtin }, embedded: report.embedded, ms: Date.now() - started },
          `re-embedded ${report.embedded} passages with ${info ? `${info.id} (${info.dim} dimensions)` : 'no embedder (no passages)'} in ${Date.now() - started} ms`,
        );
      }, { allowSwitch: true });
    });

  program
    .command('backup')
    .description('write one file holding a consistent copy of the database, the original files and the vector index (safe while kb serve runs)')
    .argument('<file>', 'the backup file to write')
    .option('--force', 'replace the file if it exists')
    .action(async (file: string, opts: { force?: boolean }) => {
      const ctx = context();
      const { backup } = await import('../store/backup.js');
      await withStore(ctx, (store) => {
        const r = backup(store, ctx.config.dataDir, file, { force: opts.force });
        ctx.out.result(r, `backed up ${r.documents} documents, ${r.passages} passages, ${r.originals} original files${r.index ? ' and the vector index' : ''} to ${r.file} (${r.bytes} bytes, ${r.ms} ms)${r.missing_originals ? `; ${r.missing_originals} original files were missing` : ''}`);
      });
    });

  program
    .command('restore')
    .description('restore a backup into the data folder (checked first; refused under a running kb serve; the replaced database is kept)')
    .argument('<file>', 'a file written by kb backup')
    .option('--force', 'replace a data folder that already holds documents')
    .action(async (file: string, opts: { force?: boolean }) => {
      const ctx = context();
      const { restore } = await import('../store/backup.js');
      const r = restore(file, ctx.config.dataDir, { force: opts.force });
      // Open it as every command does: the index is checked (rebuilt if the backup had none), then verified.
      exitCode = await withKb(ctx, (kb) => {
        const problems = [...kb.store.check(), ...vectorProblems(kb), ...kb.vectors.verifyFile()];
        ctx.out.result({ ...r, ok: problems.length === 0, problems }, `restored ${r.documents} documents, ${r.passages} passages and ${r.originals} original files into ${r.data_dir}${r.index ? '' : ' (vector index rebuilt)'}${r.kept ? `; the database it replaced is kept as ${r.kept}` : ''}${problems.length ? `\nproblems:\n  ${problems.join('\n  ')}` : ''}`);
        return problems.length ? EXIT.SOME_FAILED : EXIT.OK;
      });
    });

  program
    .command('verify')
    .description('check the database, the full-text index, the vectors and the vector index agree; exit 0 only when they do')
    .action(async () => {
      const ctx = context();
      exitCode = await withKb(ctx, (kb) => {
        const problems = [...kb.store.check(), ...vectorProblems(kb), ...kb.vectors.verifyFile()];
        const state = kb.vectors.state();
        const report = { ok: problems.length === 0, problems, embedder: recordedEmbedder(kb.store), index: state, ...kb.store.stats() };
        ctx.out.result(report, problems.length ? `inconsistent:\n  ${problems.join('\n  ')}` : `consistent: ${report.passages} passages, ${state.count} vectors (${state.embedder ?? 'no embedder yet'})${state.reason ? `; index ${state.opened}: ${state.reason}` : ''}`);
        return problems.length ? EXIT.SOME_FAILED : EXIT.OK;
      });
    });

  const model = program.command('model').description('transformers.js models: status, pull (download), import (air-gapped install)');
  model
    .command('status')
    .description('installed models, where they are, and which embedder is active')
    .action(async () => {
      const ctx = context();
      const { installedModels, locateModel, isModelInstalled } = await import('../embed/model-files.js');
      const location = locateModel(ctx.config.model, ctx.config.modelsDir);
      const active = (() => {
        const store = Store.open(ctx.config.dataDir);
        try { return recordedEmbedder(store); } finally { store.close(); }
      })();
      const status = {
        models_dir: ctx.config.modelsDir,
        installed: installedModels(ctx.config.modelsDir),
        configured: { model: ctx.config.model, embedder: ctx.config.embedder, dir: location.dir, installed: isModelInstalled(location, ctx.config.quantized), offline: ctx.config.offline },
        active,
      };
      ctx.out.result(status, [
        `Models folder: ${status.models_dir}`,
        `Installed:     ${status.installed.length ? status.installed.join(', ') : 'none'}`,
        `Configured:    ${status.configured.model} (${status.configured.installed ? 'installed' : 'not installed'}; KB_EMBEDDER=${status.configured.embedder}${status.configured.offline ? ', offline' : ''})`,
        `Active:        ${active ? `${active.id} (${active.dim} dimensions)` : 'none yet'}`,
      ].join('\n'));
    });
  model
    .command('pull')
    .description('download a model into the models folder (needs internet)')
    .argument('[id]', 'model id', undefined)
    .action(async (id: string | undefined) => {
      const ctx = context();
      const { TransformersEmbedder } = await import('../embed/transformers.js');
      const modelId = id ?? ctx.config.model;
      const bars = new Map<string, number>();
      const embedder = await TransformersEmbedder.open({
        model: modelId, modelsDir: ctx.config.modelsDir, offline: false, quantized: ctx.config.quantized, threads: 1, batchSize: 1, queryInstruction: '',
        onProgress: (p) => {
          const pct = p.total ? Math.floor((p.loaded / p.total) * 100) : 0;
          if (bars.get(p.file) !== pct && (pct % 10 === 0 || p.status === 'done')) {
            bars.set(p.file, pct);
            ctx.log.info(`${p.file}: ${p.status === 'done' ? 'done' : `${pct}%`}`);
          }
        },
      });
      ctx.out.result({ model: modelId, dim: embedder.dim, dir: ctx.config.modelsDir }, `${modelId} installed in ${ctx.config.modelsDir} (${embedder.dim} dimensions)`);
      await embedder.close();
    });
  model
    .command('import')
    .description('install a model folder copied from elsewhere (config.json, tokenizer files, onnx/)')
    .argument('<dir>', 'model folder')
    .option('--name <id>', 'install under this id (default: the folder name); then set KB_MODEL to it')
    .action(async (dir: string, opts: { name?: string }) => {
      const ctx = context();
      const { importModel } = await import('../embed/model-files.js');
      const id = importModel(dir, ctx.config.modelsDir, opts.name);
      ctx.out.result({ model: id, dir: ctx.config.modelsDir }, `installed ${id} in ${ctx.config.modelsDir}; use it with KB_MODEL=${id} (then \`kb reindex\` if another embedder made the stored vectors)`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    const e = toKbError(err);
    const json = program.opts<GlobalOptions>().json ?? false;
    if (json) stdout.write(JSON.stringify({ error: e.toJSON() }) + '\n');
    stderr.write(`kb: ${e.message}\n    ${e.hint}\n`);
    if (e.code === 'INTERNAL' && err instanceof Error && err.stack) stderr.write(err.stack + '\n');
    return e.code === 'USAGE' || e.code === 'INVALID_CONFIG' || e.code === 'QUERY_TOO_LONG' ? EXIT.USAGE : EXIT.ERROR;
  }
  return exitCode;
}

async function ingestCommand(ctx: Context, kb: KnowledgeBase, paths: string[], kind?: DocumentKind): Promise<number> {
  const { Pipeline, summarise } = await import('../../ingest/pipeline.js');
  const pipeline = new Pipeline({ store: kb.store, config: ctx.config, log: ctx.log });
  const all: IngestResult[] = [];
  let progress: ReturnType<Output['progress']> | undefined;
  const options = kind ? { kind } : {};
  for await (const results of pipeline.ingestPaths(paths, (i, total, file) => {
    progress ??= ctx.out.progress(total);
    progress.update(i, file);
  }, options)) {
    for (const r of results) {
      all.push(r);
      ctx.out.result(r, describe(r));
    }
  }
  progress?.stop();
  const embedding = ctx.out.progress(all.reduce((n, r) => n + (r.status === 'added' || r.status === 'updated' ? r.passages : 0), 0));
  await kb.refresh((done) => embedding.update(done, 'embedding passages'));
  embedding.stop();
  const summary = summarise(all);
  ctx.out.result(
    { summary },
    `\n${summary.files} documents: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed; ${summary.passages} passages`,
  );
  return summary.failed ? EXIT.SOME_FAILED : EXIT.OK;
}

function describe(r: IngestResult): string {
  const status = r.status.padEnd(9);
  if (r.status === 'failed') return `${status} ${r.source_id}\n          ${r.error?.message}\n          ${r.error?.hint}`;
  const date = r.published_at ?? 'undated';
  return `${status} [${r.document_id}] ${r.title} (${r.kind}, ${date}) ${r.passages} passages`;
}

/** Every passage has exactly one vector, made by the active embedder. */
function vectorProblems(kb: KnowledgeBase): string[] {
  const id = kb.store.getMeta('embedder_id') || null;
  const passages = kb.store.stats().passages;
  if (!id) return passages ? [`vectors: ${passages} passages and no embedder on record`] : [];
  const db = kb.store.db;
  const problems: string[] = [];
  const without = (db.prepare('SELECT count(*) AS n FROM passages p WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.passage_id = p.id AND e.model = ?)').get(id) as { n: number }).n;
  if (without) problems.push(`vectors: ${without} passages have no vector from ${id}`);
  const others = (db.prepare('SELECT count(*) AS n FROM embeddings WHERE model <> ?').get(id) as { n: number }).n;
  if (others) problems.push(`vectors: ${others} vectors from another embedder`);
  const wrongDim = (db.prepare('SELECT count(*) AS n FROM embeddings WHERE model = ? AND (dim <> ? OR length(vector) <> 4 * ?)').get(id, Number(kb.store.getMeta('embedder_dim')), Number(kb.store.getMeta('embedder_dim'))) as { n: number }).n;
  if (wrongDim) problems.push(`vectors: ${wrongDim} vectors of the wrong dimension`);
  return problems;
}

type SearchCliOptions = { k: string; from?: string; to?: string; kind?: DocumentKind; document?: string };

function positiveInt(value: string, name: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new KbError('USAGE', { detail: `${name} must be a whole number from 1 to ${max}, got "${value}"` });
  return Number(value);
}

function searchRequest(ctx: Context, q: string, opts: SearchCliOptions) {
  if (!q.trim()) throw new KbError('USAGE', { detail: 'type something to search for' });
  if (q.length > ctx.config.maxQueryChars) throw new KbError('QUERY_TOO_LONG', { length: q.length, limit: ctx.config.maxQueryChars });
  for (const [name, value] of [['--from', opts.from], ['--to', opts.to]] as const) {
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new KbError('USAGE', { detail: `${name} must be a date as YYYY-MM-DD, got "${value}"` });
  }
  return {
    q,
    k: positiveInt(opts.k, '-k', ctx.config.maxK),
    from: opts.from,
    to: opts.to,
    kind: opts.kind,
    document: opts.document === undefined ? undefined : positiveInt(opts.document, '--document', Number.MAX_SAFE_INTEGER),
  };
}
