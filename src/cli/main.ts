import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { KbError, toKbError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { Store } from '../store/store.js';
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
    });
    const log = createLogger(config.logLevel, (line) => stderr.write(line + '\n'));
    return { config, log, out: createOutput(config.json, stdout, stderr) };
  };

  const withStore = async <T>(ctx: Context, fn: (store: Store) => Promise<T> | T): Promise<T> => {
    const store = Store.open(ctx.config.dataDir);
    try {
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
      exitCode = await withStore(ctx, (store) => ingestCommand(ctx, store, paths, opts.kind));
    });

  program
    .command('stats')
    .description('counts of documents, passages and pages, and the date range')
    .action(async () => {
      const ctx = context();
      await withStore(ctx, (store) => {
        const stats = { data_dir: ctx.config.dataDir, ...store.stats() };
        const range = stats.date_range.from ? `${stats.date_range.from} to ${stats.date_range.to}` : 'no dates';
        ctx.out.result(
          stats,
          [
            `Data:      ${stats.data_dir}`,
            `Documents: ${stats.documents} (${stats.by_kind.bulletin} bulletins, ${stats.by_kind.strategy} strategy, ${stats.by_kind.other} other)`,
            `Passages:  ${stats.passages}`,
            `Pages:     ${stats.pages}`,
            `Dates:     ${range}`,
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
      exitCode = await withStore(ctx, (store) => {
        const pipeline = new Pipeline({ store, config: ctx.config, log: ctx.log });
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
        return failed ? EXIT.SOME_FAILED : EXIT.OK;
      });
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
    return e.code === 'USAGE' || e.code === 'INVALID_CONFIG' ? EXIT.USAGE : EXIT.ERROR;
  }
  return exitCode;
}

async function ingestCommand(ctx: Context, store: Store, paths: string[], kind?: DocumentKind): Promise<number> {
  const { Pipeline, summarise } = await import('../../ingest/pipeline.js');
  const pipeline = new Pipeline({ store, config: ctx.config, log: ctx.log });
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
