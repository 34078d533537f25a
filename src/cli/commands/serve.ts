import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import type { Context, Streams } from '../context.js';

type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

export function serveCommand(program: Command, run: Run, streams: Streams): void {
  program
    .command('serve')
    .description('serve the web search page and the API (default http://127.0.0.1:3000/)')
    .option('--port <n>', 'port; env KB_PORT')
    .option('--host <address>', 'address; env KB_HOST (a non-loopback address needs KB_API_TOKEN)')
    .addHelpText('after', '\nExamples:\n  kb serve\n  KB_API_TOKEN=… kb serve --host 0.0.0.0 --port 8080')
    .action((opts: { port?: string; host?: string }) =>
      run(async (ctx) => {
        const config = loadConfig(streams.env, {
          ...ctx.config,
          port: opts.port ?? ctx.config.port,
          host: opts.host ?? ctx.config.host,
        });
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
      }),
    );
}
