import type { Command } from 'commander';
import { KbError } from '../../errors.js';
import { KnowledgeBase } from '../../knowledge-base.js';
import { readManifest } from '../../vector/manifest.js';
import { EXIT, withKb, type Context } from '../context.js';

type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

/** kb stats, delete, verify, reindex, backup, restore: looking after the knowledge base. */
export function adminCommands(program: Command, run: Run): void {
  program
    .command('stats')
    .description('counts of documents, passages and pages, and the date range')
    .addHelpText('after', '\nExamples:\n  kb stats\n  kb --data /srv/kb --json stats')
    .action(() =>
      run((ctx) =>
        withKb(
          ctx,
          (kb) => {
            const stats = { data_dir: ctx.config.dataDir, ...kb.stats(), index: readManifest(ctx.config.dataDir) };
            const e = stats.embedder;
            const embedder = e ? `${e.id} (${e.dim} dimensions)${e.builtin ? ' [built-in, offline]' : ''}` : 'none yet';
            const range = stats.date_range.from ? `${stats.date_range.from} to ${stats.date_range.to}` : 'no dates';
            ctx.out.result(
              { ...stats, embedder: e && { id: e.id, dim: e.dim, description: e.description, builtin: e.builtin } },
              [
                `Data:      ${stats.data_dir}`,
                `Documents: ${stats.documents} (${stats.by_kind.bulletin} bulletins, ${stats.by_kind.strategy} ` +
                  `strategy, ${stats.by_kind.other} other)`,
                `Passages:  ${stats.passages}`,
                `Pages:     ${stats.pages}`,
                `Dates:     ${range}`,
                `Embedder:  ${embedder}`,
                `Index:     ${stats.index ? `${stats.index.count} vectors` : 'not built'}`,
              ].join('\n'),
            );
          },
          { mode: 'read' },
        ),
      ),
    );

  program
    .command('delete')
    .description(
      'delete documents (and their attachments) by id, with everything derived from them, originals included',
    )
    .argument('<ids...>', 'document ids')
    .addHelpText('after', '\nExamples:\n  kb delete 12\n  kb --json delete 12 13 14')
    .action((ids: string[]) =>
      run((ctx) => {
        const numbers = ids.map((id) => {
          if (!/^\d+$/.test(id)) throw new KbError('USAGE', { detail: `document id must be a number, got "${id}"` });
          return Number(id);
        });
        return withKb(ctx, async (kb) => {
          const { deleted, failed } = await kb.delete(numbers);
          for (const doc of deleted)
            ctx.out.result(
              { document_id: doc.id, source_id: doc.source_id, status: 'deleted', title: doc.title },
              `deleted   ${doc.id} ${doc.title}`,
            );
          for (const f of failed)
            ctx.out.result(
              { document_id: f.id, status: 'failed', error: f.error.toJSON() },
              `failed    ${f.id}: ${f.error.message}\n          ${f.error.hint}`,
            );
          return failed.length ? EXIT.SOME_FAILED : EXIT.OK;
        });
      }),
    );

  program
    .command('verify')
    .description(
      'check the database, the full-text index, the vectors, the vector index and the originals agree; exit 0 ' +
        'only when they do',
    )
    .option(
      '--repair',
      'first remove stale temporary files and originals no document needs, embed what lacks a vector and rebuild ' +
        'a bad index',
    )
    .addHelpText('after', '\nExamples:\n  kb verify\n  kb verify --repair')
    .action((opts: { repair?: boolean }) =>
      run(async (ctx) => {
        try {
          return await withKb(ctx, (kb) => verifyCommand(ctx, kb, opts.repair ?? false), {
            mode: opts.repair ? 'write' : 'read',
          });
        } catch (err) {
          // A database too damaged to open is verify's finding, not its failure: exit 1, pointing at the way back.
          if (!(err instanceof KbError) || err.code !== 'DATABASE_CORRUPT') throw err;
          ctx.out.result(
            { ok: false, problems: [err.message], hint: err.hint },
            `inconsistent:\n  ${err.message}\n${err.hint}`,
          );
          return EXIT.SOME_FAILED;
        }
      }),
    );

  program
    .command('reindex')
    .description('re-embed every passage with the configured embedder and rebuild the vector index')
    .addHelpText('after', '\nExamples:\n  kb reindex\n  KB_MODEL=Xenova/bge-small-en-v1.5 kb reindex')
    .action(() =>
      run((ctx) =>
        withKb(
          ctx,
          async (kb) => {
            const started = Date.now();
            const progress = ctx.out.progress(kb.stats().passages);
            const report = await kb.reindex((done) => progress.update(done, 'embedding'));
            progress.stop();
            const info = kb.embedderInfo();
            ctx.out.result(
              {
                embedder: info && { id: info.id, dim: info.dim, builtin: info.builtin },
                embedded: report.embedded,
                ms: Date.now() - started,
              },
              `re-embedded ${report.embedded} passages with ` +
                `${info ? `${info.id} (${info.dim} dimensions)` : 'no embedder (no passages)'} in ` +
                `${Date.now() - started} ms`,
            );
          },
          { allowSwitch: true },
        ),
      ),
    );

  program
    .command('backup')
    .description(
      'write one file holding a consistent copy of the database, the original files and the vector index (safe ' +
        'while kb serve runs)',
    )
    .argument('<file>', 'the backup file to write')
    .option('--force', 'replace the file if it exists')
    .addHelpText(
      'after',
      '\nExamples:\n  kb backup /backups/kb-2026-12-01.kbb\n  kb --data /srv/kb backup --force /backups/latest.kbb',
    )
    .action((file: string, opts: { force?: boolean }) =>
      run((ctx) =>
        withKb(
          ctx,
          (kb) => {
            const r = kb.backup(file, { force: opts.force ?? false });
            ctx.out.result(
              r,
              `backed up ${r.documents} documents, ${r.passages} passages, ${r.originals} original ` +
                `files${r.index ? ' and the vector index' : ''} to ${r.file} (${r.bytes} bytes, ${r.ms} ` +
                `ms)${r.missing_originals ? `; ${r.missing_originals} original files were missing` : ''}`,
            );
            return r.missing_originals ? EXIT.SOME_FAILED : EXIT.OK;
          },
          { mode: 'read' },
        ),
      ),
    );

  program
    .command('restore')
    .description(
      'restore a backup into the data folder (checked first; refused while anything has the database open; the ' +
        'replaced database is kept)',
    )
    .argument('<file>', 'a file written by kb backup')
    .option('--force', 'replace a data folder that already holds documents')
    .addHelpText(
      'after',
      '\nExamples:\n  kb --data /srv/kb-new restore /backups/kb-2026-12-01.kbb\n  kb restore --force ' +
        '/backups/latest.kbb',
    )
    .action((file: string, opts: { force?: boolean }) =>
      run(async (ctx) => {
        const r = KnowledgeBase.restore(ctx.config, file, { force: opts.force ?? false });
        // Open it as every command does (the index is rebuilt if the backup had none), then verify it, originals
        // included.
        return withKb(ctx, async (kb) => {
          const { problems } = await kb.verify();
          if (r.missing_originals)
            problems.unshift(`originals: the backup lacks ${r.missing_originals} original files its documents need`);
          ctx.out.result(
            { ...r, ok: problems.length === 0, problems },
            `restored ${r.documents} documents, ${r.passages} passages and ${r.originals} original files into ` +
              `${r.data_dir}${r.index ? '' : ' (vector index rebuilt)'}` +
              (r.kept ? `; the database it replaced is kept as ${r.kept}` : '') +
              (problems.length ? `\nproblems:\n  ${problems.join('\n  ')}` : ''),
          );
          return problems.length ? EXIT.SOME_FAILED : EXIT.OK;
        });
      }),
    );
}

async function verifyCommand(ctx: Context, kb: KnowledgeBase, repair: boolean): Promise<number> {
  const report = { ...(await kb.verify({ repair })), ...kb.stats() };
  const state = report.index;
  const repaired =
    (report.repaired.length ? `repaired:\n  ${report.repaired.join('\n  ')}\n` : '') +
    (report.skipped.length ? `not checked:\n  ${report.skipped.join('\n  ')}\n` : '');
  ctx.out.result(
    report,
    repaired +
      (report.ok
        ? `consistent: ${report.passages} passages, ${state.count} vectors (${state.embedder ?? 'no embedder yet'})` +
          (state.reason ? `; index ${state.opened}: ${state.reason}` : '')
        : `inconsistent:\n  ${report.problems.join('\n  ')}\n` +
          '(run `kb verify --repair` to fix what can be fixed; a damaged database needs `kb restore`)'),
  );
  return report.ok ? EXIT.OK : EXIT.SOME_FAILED;
}
