import { Option, type Command } from 'commander';
import { DOCUMENT_KINDS, type DocumentKind } from '../../store/types.js';
import { EXIT, withKb, type Context } from '../context.js';
import { ingestLine } from '../format.js';

export function ingestCommands(
  program: Command,
  run: (action: (ctx: Context) => Promise<number | void>) => Promise<void>,
): void {
  program
    .command('ingest')
    .description('add or update documents from files and folders (folders are read recursively)')
    .argument('<paths...>', 'files or folders: .txt .md .html .eml .pdf .docx')
    .addOption(new Option('--kind <kind>', 'record this kind instead of the detected one').choices(DOCUMENT_KINDS))
    .addHelpText(
      'after',
      '\nExamples:\n  kb ingest bulletins/ strategies/\n  kb --json ingest 2024-03-05-weekly-update.eml\n  kb ' +
        'ingest --kind strategy send-strategy.pdf',
    )
    .action((paths: string[], opts: { kind?: DocumentKind }) =>
      run((ctx) =>
        withKb(ctx, async (kb) => {
          let files: ReturnType<Context['out']['progress']> | undefined;
          let embedding: ReturnType<Context['out']['progress']> | undefined;
          const { summary } = await kb.ingest(paths, {
            ...(opts.kind ? { kind: opts.kind } : {}),
            onFile: (i, total, file) => {
              files ??= ctx.out.progress(total);
              files.update(i, file);
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
              `unchanged, ${summary.failed} failed; ${summary.passages} passages`,
          );
          return summary.failed ? EXIT.SOME_FAILED : EXIT.OK;
        }),
      ),
    );
}
