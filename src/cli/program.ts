import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { toKbError } from '../errors.js';
import { adminCommands } from './commands/admin.js';
import { evalCommand } from './commands/eval.js';
import { ingestCommands } from './commands/ingest.js';
import { watchCommand } from './commands/watch.js';
import { modelCommands } from './commands/models.js';
import { quoteCommand } from './commands/quote.js';
import { searchCommands } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { contextOf, EXIT, type Context, type Streams } from './context.js';

export { EXIT } from './context.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * Runs the `kb` command line and returns the exit code: 0 all succeeded, 1
 * some documents failed (or verify found a problem), 2 usage or
 * configuration error, 3 any other error. `env` and the streams are
 * parameters so tests can run it in-process.
 */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const streams: Streams = { env, stdout, stderr };
  let exitCode: number = EXIT.OK;
  const program = new Command('kb')
    .description('A searchable knowledge base of council bulletins and strategy documents, with cited passages.')
    .version(version, '-V, --version', 'print the version')
    .option('--data <dir>', 'data folder (database, index, stored files); env KB_DATA_DIR', undefined)
    .option('--json', 'machine-readable output on stdout (logs stay on stderr); env KB_JSON')
    .addOption(
      new Option('--log-level <level>', 'log detail on stderr; env KB_LOG_LEVEL').choices([
        'debug',
        'info',
        'warn',
        'error',
        'silent',
      ]),
    )
    .option('--max-file-bytes <n>', 'largest file accepted, in bytes; env KB_MAX_FILE_BYTES')
    .option('--parse-timeout-ms <n>', 'time limit for parsing one document; env KB_PARSE_TIMEOUT_MS')
    .option('--max-pdf-pages <n>', 'largest PDF accepted, in pages; env KB_MAX_PDF_PAGES')
    .addOption(
      new Option(
        '--embedder <kind>',
        'embedder: auto (a model when installed), builtin or transformers; env KB_EMBEDDER',
      ).choices(['auto', 'builtin', 'transformers']),
    )
    .option('--model <id-or-dir>', 'transformers.js model id or local model folder; env KB_MODEL')
    .option('--offline', 'never download models; env KB_OFFLINE=1')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) })
    .showHelpAfterError('(run `kb --help` for usage)')
    .addHelpText(
      'after',
      '\nExamples:\n  kb ingest bulletins/\n  kb search what did we say about apprenticeships\n  kb serve\n\n' +
        "Run `kb <command> --help` for each command's options and examples.",
    );

  /** Runs a command's action with its context; what it returns is the exit code. */
  const run = async (action: (ctx: Context) => Promise<number | void>) => {
    const code = await action(contextOf(program, streams));
    if (typeof code === 'number') exitCode = code;
  };
  ingestCommands(program, run);
  watchCommand(program, run);
  searchCommands(program, run);
  adminCommands(program, run);
  serveCommand(program, run, streams);
  modelCommands(program, run);
  quoteCommand(program, run);
  evalCommand(program, run);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return EXIT.OK;
      if (program.opts<{ json?: boolean }>().json)
        stdout.write(
          JSON.stringify({
            error: {
              code: 'USAGE',
              message: err.message.replace(/^error: /, ''),
              hint: 'Run `kb --help` to see the commands and their options.',
            },
          }) + '\n',
        );
      return EXIT.USAGE;
    }
    const e = toKbError(err);
    const json = program.opts<{ json?: boolean }>().json ?? env.KB_JSON === '1';
    if (json) stdout.write(JSON.stringify({ error: e.toJSON() }) + '\n');
    stderr.write(`kb: ${e.message}\n    ${e.hint}\n`);
    if (e.code === 'INTERNAL' && err instanceof Error && err.stack) stderr.write(err.stack + '\n');
    return e.code === 'USAGE' || e.code === 'INVALID_CONFIG' || e.code === 'QUERY_TOO_LONG' ? EXIT.USAGE : EXIT.ERROR;
  }
  return exitCode;
}
