import { InvalidArgumentError, Option, type Command } from 'commander';
import { DOCUMENT_KINDS, type DocumentKind } from '../../store/types.js';
import { EXIT, withKb, type Context } from '../context.js';
import { ingestLine } from '../format.js';

export function ingestCommands(
  program: Command,
  run: (action: (ctx: Context) => Promise<number | void>) => Promise<void>,
): void {
  program
    .command('ingest')
    .description(
      'add or update documents from files and folders (read recursively) and from the web (pages, listings, ' +
        'sitemaps, feeds)',
    )
    .argument('<paths...>', 'files, folders or web addresses: .txt .md .html .eml .msg .pdf .docx, https://…')
    .addOption(new Option('--kind <kind>', 'record this kind instead of the detected one').choices(DOCUMENT_KINDS))
    .option('--allow-host <hosts...>', 'web: other sites links may lead to; env KB_WEB_ALLOW_HOSTS')
    .option('--max-pages <n>', 'web: pages fetched at most; env KB_WEB_MAX_PAGES', count(1))
    .option('--depth <n>', 'web: links followed at most from an address given; env KB_WEB_MAX_DEPTH', count(0))
    .addHelpText(
      'after',
      '\nExamples:\n  kb ingest bulletins/ strategies/\n  kb --json ingest 2024-03-05-weekly-update.eml\n  kb ' +
        'ingest --kind strategy send-strategy.pdf\n  kb ingest https://www.kent.gov.uk/sitemap.xml\n' +
        '  kb ingest --depth 1 https://www.kent.gov.uk/education/bulletins',
    )
    .action((paths: string[], opts: { kind?: DocumentKind; allowHost?: string[]; maxPages?: number; depth?: number }) =>
      run((ctx) =>
        withKb(ctx, async (kb) => {
          let files: ReturnType<Context['out']['progress']> | undefined;
          let shown = 0;
          let embedding: ReturnType<Context['out']['progress']> | undefined;
          const c = ctx.config;
          if (opts.maxPages !== undefined) c.webMaxPages = opts.maxPages;
          if (opts.depth !== undefined) c.webMaxDepth = opts.depth;
          const { summary } = await kb.ingest(paths, {
            ...(opts.kind ? { kind: opts.kind } : {}),
            ...(opts.allowHost ? { allowHosts: opts.allowHost } : {}),
            onFile: (i, total, file) => {
              // A crawl's total grows as it finds pages: a bar is drawn once there are two things to count.
              if (!files || (shown < 2 && total >= 2)) {
                files?.stop();
                files = ctx.out.progress(total);
                shown = total;
              }
              files.update(i, file, total);
            },
            onResults: (results) => {
              for (const r of results) ctx.out.result(r, ingestLine(r));
            },
            onEmbed: (done, total) => {
              files?.stop();
              embedding ??= ctx.out.progress(total);
              embedding.update(done, 'embedding passages');
            },
          });
          files?.stop();
          embedding?.stop();
          ctx.out.result(
            { summary },
            `\n${summary.files} documents: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} ` +
              `unchanged, ${summary.failed} failed${summary.skipped ? `, ${summary.skipped} skipped` : ''}; ` +
              `${summary.passages} passages`,
          );
          return summary.failed ? EXIT.SOME_FAILED : EXIT.OK;
        }),
      ),
    );
}

/** A whole number of at least `min`, for an option. */
function count(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number of at least ${min}`);
    return n;
  };
}
