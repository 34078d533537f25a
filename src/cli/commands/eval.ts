import { Option, type Command } from 'commander';
import type { Context } from '../context.js';

type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

export function evalCommand(program: Command, run: Run): void {
  program
    .command('eval')
    .description('score retrieval on a test collection in BEIR layout (corpus.jsonl, queries.jsonl, qrels/test.tsv)')
    .argument('<dir>', 'the collection folder')
    .addOption(
      new Option('--mode <mode>', 'hybrid, semantic, lexical, or all')
        .choices(['hybrid', 'semantic', 'lexical', 'all'])
        .default('hybrid'),
    )
    .addHelpText('after', '\nExamples:\n  kb eval ../shared/eval/cranfield --mode all')
    .action((dir: string, opts: { mode: 'hybrid' | 'semantic' | 'lexical' | 'all' }) =>
      run(async (ctx) => {
        const { readCollection } = await import('../../eval/beir.js');
        const { runEval } = await import('../../eval/run-eval.js');
        const collection = readCollection(dir);
        const modes = opts.mode === 'all' ? (['lexical', 'semantic', 'hybrid'] as const) : ([opts.mode] as const);
        ctx.log.info(`${collection.corpus.length} documents, ${collection.queries.length} judged queries`);
        const evaluated = await runEval(collection, ctx.config, ctx.log, { modes: [...modes] });
        for (const r of evaluated.results) {
          ctx.out.result(
            r,
            `${r.mode.padEnd(8)} nDCG@10 ${r['ndcg@10'].toFixed(4)}  Recall@100 ${r['recall@100'].toFixed(4)}  ` +
              `MRR@10 ${r['mrr@10'].toFixed(4)}  (${r.queries} queries${r.embedder ? `, ${r.embedder}` : ''})`,
          );
        }
      }),
    );
}
