import type { Command } from 'commander';
import { FolderWatch } from '../../../ingest/watch.js';
import { withKb, type Context } from '../context.js';

type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

/** kb watch: ingest what is dropped into folders, until stopped (Ctrl+C, SIGTERM). */
export function watchCommand(program: Command, run: Run): void {
  program
    .command('watch')
    .description('ingest documents dropped into folders (new and changed files, once they stop changing)')
    .argument('<folders...>', 'folders to watch (read recursively)')
    .option('--delete-missing', 'delete the documents of files removed from the folders; env KB_WATCH_DELETE_MISSING')
    .option('--once', 'look once, read what has settled, and stop (for a scheduled task)')
    .addHelpText(
      'after',
      '\nExamples:\n  kb watch /srv/bulletins-inbox\n  KB_WATCH_INTERVAL_MS=10000 kb watch --delete-missing ' +
        '~/Bulletins\n  kb watch --once /srv/inbox    (from cron)',
    )
    .action((folders: string[], opts: { deleteMissing?: boolean; once?: boolean }) =>
      run((ctx) =>
        withKb(ctx, async (kb) => {
          const c = ctx.config;
          const watch = new FolderWatch(kb, folders, {
            intervalMs: c.watchIntervalMs,
            settleMs: opts.once ? 0 : c.watchSettleMs,
            deleteMissing: opts.deleteMissing ?? c.watchDeleteMissing,
            log: ctx.log,
            onResults: (results) => {
              if (ctx.out.json) for (const r of results) ctx.out.result(r, '');
            },
          });
          if (opts.once) return watch.scan();
          const stopped = new Promise<void>((resolve) => {
            for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
          });
          watch.start();
          await stopped;
          ctx.log.info('watch: stopping');
          await watch.stop();
        }),
      ),
    );
}
