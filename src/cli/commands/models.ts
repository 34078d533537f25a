import type { Command } from 'commander';
import { Store } from '../../store/store.js';
import { KbError } from '../../errors.js';
import { EXIT, withKb, type Context } from '../context.js';

type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

/** kb model status, pull, import: transformers.js models for connected and air-gapped machines. */
export function modelCommands(program: Command, run: Run): void {
  const model = program
    .command('model')
    .description('transformers.js models: status, pull (download), import (air-gapped install)')
    .addHelpText(
      'after',
      '\nExamples:\n  kb model status\n  kb model pull Xenova/bge-small-en-v1.5\n' +
        '  kb model import /media/usb/bge-small-en-v1.5',
    );
  model
    .command('status')
    .description('installed models, where they are, and which embedder is active')
    .addHelpText('after', '\nExamples:\n  kb model status\n  kb --json model status')
    .action(() =>
      run(async (ctx) => {
        const { installedModels, locateModel, isModelInstalled } = await import('../../embed/model-files.js');
        const location = locateModel(ctx.config.model, ctx.config.modelsDir);
        const store = Store.open(ctx.config.dataDir, { readonly: true });
        const active = (() => {
          try {
            return store.meta.embedder();
          } finally {
            store.close();
          }
        })();
        const status = {
          models_dir: ctx.config.modelsDir,
          installed: installedModels(ctx.config.modelsDir),
          configured: {
            model: ctx.config.model,
            embedder: ctx.config.embedder,
            dir: location.dir,
            installed: isModelInstalled(location, ctx.config.quantized),
            offline: ctx.config.offline,
          },
          active: active && {
            id: active.id,
            dim: active.dim,
            description: active.description,
            builtin: active.builtin,
          },
        };
        ctx.out.result(
          status,
          [
            `Models folder: ${status.models_dir}`,
            `Installed:     ${status.installed.length ? status.installed.join(', ') : 'none'}`,
            `Configured:    ${status.configured.model} ` +
              `(${status.configured.installed ? 'installed' : 'not installed'}; ` +
              `KB_EMBEDDER=${status.configured.embedder}${status.configured.offline ? ', offline' : ''})`,
            `Active:        ${active ? `${active.id} (${active.dim} dimensions)` : 'none yet'}`,
          ].join('\n'),
        );
      }),
    );
  model
    .command('pull')
    .description('download a model into the models folder (needs internet), checked and with its checksums')
    .argument('[id]', 'model id', undefined)
    .option('--revision <rev>', 'branch, tag or commit to download (a commit pins it); env KB_MODEL_REVISION')
    .addHelpText('after', '\nExamples:\n  kb model pull\n  kb model pull Xenova/bge-small-en-v1.5 --revision <commit>')
    .action((id: string | undefined, opts: { revision?: string }) =>
      run(async (ctx) => {
        const { pull } = await import('../../embed/choose-model.js');
        const modelId = id ?? ctx.config.model;
        const shown = new Map<string, number>();
        const manifest = await pull(
          { ...ctx.config, model: modelId, modelRevision: opts.revision ?? ctx.config.modelRevision },
          (p) => {
            const pct = p.total ? Math.floor((p.loaded / p.total) * 100) : 0;
            if (shown.get(p.file) !== pct && (pct % 10 === 0 || p.status === 'done')) {
              shown.set(p.file, pct);
              ctx.log.info(`${p.file}: ${p.status === 'done' ? 'done' : `${pct}%`}`);
            }
          },
        );
        const { forgetDownloadFailure } = await import('../../embed/model-files.js');
        forgetDownloadFailure(ctx.config.modelsDir);
        ctx.out.result(
          { ...manifest, dir: ctx.config.modelsDir },
          `${modelId} installed in ${ctx.config.modelsDir} from ${manifest.host} at ${manifest.revision}` +
            `${manifest.commit ? ` (commit ${manifest.commit})` : ''}; ${manifest.files.length} files, checksums ` +
            `in kb-model.json. To pin it: KB_MODEL_REVISION=${manifest.commit ?? manifest.revision}`,
        );
      }),
    );
  model
    .command('import')
    .description(
      'install a model copied from elsewhere (a folder, or a .zip or .tar.gz of one), after checking it embeds',
    )
    .argument('<dir>', 'model folder or archive (config.json, tokenizer files, onnx/)')
    .option('--name <id>', 'install under this id (default: the folder name); then set KB_MODEL to it')
    .addHelpText(
      'after',
      '\nExamples:\n  kb model import /media/usb/bge-small-en-v1.5 --name Xenova/bge-small-en-v1.5\n' +
        '  kb model import bge-small-en-v1.5.tar.gz --name Xenova/bge-small-en-v1.5',
    )
    .action((dir: string, opts: { name?: string }) =>
      run(async (ctx) => {
        const { importModelChecked } = await import('../../embed/model-import.js');
        const { TransformersEmbedder } = await import('../../embed/transformers.js');
        const c = ctx.config;
        const { id, manifest } = await importModelChecked(dir, c.modelsDir, opts.name, (root, quantized) =>
          TransformersEmbedder.open({
            model: root,
            modelsDir: c.modelsDir,
            offline: true,
            quantized,
            threads: c.embedThreads,
            batchSize: c.embedBatch,
          }),
        );
        ctx.out.result(
          { model: id, dir: c.modelsDir, files: manifest.files },
          `installed ${id} in ${ctx.config.modelsDir}; use it with KB_MODEL=${id} (then \`kb reindex\` if another ` +
            `embedder made the stored vectors)`,
        );
      }),
    );

  model
    .command('test')
    .description('load a model and embed two sentences: says whether it works (not how good it is: kb eval)')
    .argument('[id]', 'model id or model folder (default: KB_MODEL)')
    .addHelpText('after', '\nExamples:\n  kb model test\n  kb --json model test /media/usb/bge-small-en-v1.5')
    .action((id: string | undefined) =>
      run(async (ctx) => {
        const { TransformersEmbedder } = await import('../../embed/transformers.js');
        const { checkModel } = await import('../../embed/model-check.js');
        const c = ctx.config;
        const modelId = id ?? c.model;
        const embedder = await TransformersEmbedder.open({
          model: modelId,
          modelsDir: c.modelsDir,
          offline: true,
          quantized: c.quantized,
          threads: c.embedThreads,
          batchSize: c.embedBatch,
          ...(c.queryInstruction !== undefined ? { queryInstruction: c.queryInstruction } : {}),
          ...(c.passagePrefix !== undefined ? { passagePrefix: c.passagePrefix } : {}),
          pooling: c.pooling,
        });
        try {
          const { ok, checks } = await checkModel(embedder);
          ctx.out.result(
            { model: modelId, embedder: embedder.id, description: embedder.description, ok, checks },
            [
              `${modelId}: ${embedder.description}`,
              ...checks.map((k) => `  ${k.ok ? 'ok  ' : 'FAIL'} ${k.check}: ${k.detail}`),
              ok ? 'The model works.' : 'The model does not work: see the checks marked FAIL.',
            ].join('\n'),
          );
          return ok ? EXIT.OK : EXIT.SOME_FAILED;
        } finally {
          await embedder.close();
        }
      }),
    );

  program
    .command('embed')
    .description('the vector the active embedder gives one text (a diagnostic for scripts)')
    .argument('<text...>', 'the text')
    .option('--query', 'embed it as a search query (with the query prefix), not as a passage')
    .addHelpText(
      'after',
      '\nExamples:\n  kb --json embed apprenticeship levy\n' +
        '  kb --json embed --query what did we say about apprenticeships',
    )
    .action((words: string[], opts: { query?: boolean }) =>
      run((ctx) =>
        withKb(
          ctx,
          async (kb) => {
            const embedder = kb.queryEmbedder();
            if (!embedder) throw new KbError('NO_EMBEDDER_YET', { dir: ctx.config.dataDir });
            const text = words.join(' ');
            const vector = opts.query ? await embedder.embedQuery(text) : (await embedder.embedDocuments([text]))[0]!;
            ctx.out.result(
              { embedder: embedder.id, dim: embedder.dim, as: opts.query ? 'query' : 'passage', vector: [...vector] },
              `${embedder.id} (${embedder.dim} dimensions), as a ${opts.query ? 'query' : 'passage'}:\n` +
                [...vector].map((x) => x.toFixed(6)).join(' '),
            );
          },
          { mode: 'read' },
        ),
      ),
    );
}
