import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { toDocx } from '../../briefing/docx.js';
import { buildPack, toMarkdown } from '../../briefing/pack.js';
import { KbError } from '../../errors.js';
import { withKb, type Context } from '../context.js';

type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

/** kb quote: a briefing pack of passages, as Markdown or a Word document, for scripts. */
export function quoteCommand(program: Command, run: Run): void {
  program
    .command('quote')
    .description('a briefing pack: the passages given, in order, each with its citation, as Markdown or Word')
    .argument('<passage-ids...>', 'passage ids (from kb search --json, or a result link)')
    .addOption(new Option('--format <format>', 'md or docx').choices(['md', 'docx']).default('md'))
    .option('-o, --output <file>', 'write to this file (required for docx; Markdown goes to stdout without it)')
    .option('--title <title>', 'the title of the pack', 'Briefing')
    .option('--note <text...>', 'a note under each quote, in the same order as the ids')
    .addHelpText(
      'after',
      '\nExamples:\n  kb quote 12 40 7 --title "Apprenticeships: what we said"\n' +
        '  kb quote 12 40 --format docx -o briefing.docx --note "For the cabinet paper" "Check the figure"',
    )
    .action((ids: string[], opts: { format: 'md' | 'docx'; output?: string; title: string; note?: string[] }) =>
      run((ctx) =>
        withKb(
          ctx,
          async (kb) => {
            const numbers = ids.map((id) => {
              if (!/^\d+$/.test(id)) throw new KbError('USAGE', { detail: `${id} is not a passage id (a number)` });
              return Number(id);
            });
            if (opts.format === 'docx' && !opts.output)
              throw new KbError('USAGE', { detail: 'a Word document needs a file: add -o FILE' });
            const found = kb.quotes([...new Set(numbers)]);
            const base = `http://${ctx.config.host}:${ctx.config.port}/`;
            const pack = buildPack(
              {
                title: opts.title,
                items: numbers.map((n, i) => ({ passage_id: n, ...(opts.note?.[i] ? { note: opts.note[i] } : {}) })),
              },
              new Map(found.map((q) => [q.passage_id, q])),
              base,
            );
            const missing = pack.entries.filter((e) => e.words === null).map((e) => e.passageId);
            const body = opts.format === 'md' ? toMarkdown(pack) : await toDocx(pack);
            if (opts.output) {
              fs.writeFileSync(path.resolve(opts.output), body);
              ctx.out.result(
                { file: path.resolve(opts.output), format: opts.format, quotes: pack.entries.length, missing },
                `${pack.entries.length} quotes written to ${opts.output}` +
                  (missing.length ? ` (passages no longer there, noted in the pack: ${missing.join(', ')})` : ''),
              );
            } else if (ctx.out.json) ctx.out.result({ format: 'md', markdown: body, missing }, '');
            else process.stdout.write(body as string);
            return missing.length ? 1 : 0;
          },
          { mode: 'read' },
        ),
      ),
    );
}
