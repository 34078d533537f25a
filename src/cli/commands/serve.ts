import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config.js';
import { withKb, type Context, type Streams } from '../context.js';

type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The fictional samples shipped with the project, and where their demo knowledge base lives. */
const SAMPLES = path.join(ROOT, 'data', 'samples');
const DEMO_DIR = path.join(ROOT, 'data', 'demo');

export function serveCommand(program: Command, run: Run, streams: Streams): void {
  program
    .command('serve')
    .description('serve the web search page and the API (default http://127.0.0.1:3000/)')
    .option('--port <n>', 'port; env KB_PORT')
    .option('--host <address>', 'address; env KB_HOST (a non-loopback address needs KB_API_TOKEN)')
    .option('--watch <folders...>', 'also ingest documents dropped into these folders (see kb watch); env KB_WATCH')
    .addHelpText(
      'after',
      '\nExamples:\n  kb serve\n  KB_API_TOKEN=… kb serve --host 0.0.0.0 --port 8080\n  kb serve --watch /srv/inbox',
    )
    .action((opts: { port?: string; host?: string; watch?: string[] }) =>
      run((ctx) =>
        serveUntilStopped(
          ctx,
          loadConfig(streams.env, {
            ...ctx.config,
            port: opts.port ?? ctx.config.port,
            host: opts.host ?? ctx.config.host,
            watch: opts.watch ?? ctx.config.watch,
          }),
        ),
      ),
    );

  program
    .command('demo')
    .description(
      'serve a demo of fictional bulletins (the bundled samples) from its own data folder; ./data is never touched',
    )
    .option('--dir <folder>', 'the demo data folder', DEMO_DIR)
    .option('--port <n>', 'port; env KB_PORT')
    .option('--host <address>', 'address; env KB_HOST')
    .addHelpText('after', '\nExamples:\n  kb demo                 (what `npm start` runs)\n  kb demo --port 8080')
    .action((opts: { dir: string; port?: string; host?: string }) =>
      run(async (ctx) => {
        const config = loadConfig(streams.env, {
          ...ctx.config,
          dataDir: path.resolve(opts.dir),
          // Its models folder is its own too (unless KB_MODELS_DIR names one): nothing is written under ./data.
          modelsDir: streams.env.KB_MODELS_DIR,
          demo: true,
          port: opts.port ?? ctx.config.port,
          host: opts.host ?? ctx.config.host,
        });
        ctx.log.info(`demo: fictional samples from ${SAMPLES} in ${config.dataDir}`);
        const { summary } = await withKb({ ...ctx, config }, (kb) => kb.ingest([SAMPLES]));
        if (summary.failed) ctx.log.warn(`demo: ${summary.failed} sample documents could not be read`);
        ctx.out.say(
          `Demo knowledge base: ${summary.files} fictional documents (${summary.added} added, ` +
            `${summary.unchanged} unchanged) in ${config.dataDir}.`,
        );
        return serveUntilStopped(ctx, config);
      }),
    );
}

/** Serves the knowledge base of `config` until a signal stops it. */
async function serveUntilStopped(ctx: Context, config: Config): Promise<void> {
  const { serve, checkListenAddress } = await import('../../server/serve.js');
  const { PooledService } = await import('../../server/pooled-service.js');
  checkListenAddress(config);
  const kb = await PooledService.start(config, ctx.log);
  try {
    const running = await serve(kb, config, ctx.log, { handleSignals: true });
    ctx.log.info(`serving ${running.url} (API description at ${running.url}docs)`);
    ctx.out.result({ url: running.url }, `Open ${running.url} in a browser. Stop with Ctrl+C.`);
    await new Promise(() => {});
  } catch (err) {
    await kb.close();
    throw err;
  }
}
