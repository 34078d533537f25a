import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { DataFolder } from '../data-folder.js';
import { KbError } from '../errors.js';
import type { Logger } from '../log.js';
import { buildApp } from './app.js';
import { isLoopback } from './auth.js';
import type { KnowledgeService } from './service.js';

/** Refuses a non-loopback address while write routes would be open (no KB_API_TOKEN). */
export function checkListenAddress(config: Config): void {
  if (!config.apiToken && !isLoopback(config.host)) throw new KbError('WRITES_NEED_TOKEN', { host: config.host });
}

export interface Running {
  app: FastifyInstance;
  url: string;
  /** Stops taking requests, finishes those in flight, saves the index and closes the database. */
  close(): Promise<void>;
}

/**
 * Listens on config.host:port. Refuses a non-loopback address while write
 * routes would be open (no KB_API_TOKEN). On SIGINT/SIGTERM it shuts down
 * gracefully when `handleSignals` is set.
 */
export async function serve(
  kb: KnowledgeService,
  config: Config,
  log: Logger,
  options: { handleSignals?: boolean } = {},
): Promise<Running> {
  checkListenAddress(config);
  const app = await buildApp({ config, kb, log });
  await app.listen({ host: config.host, port: config.port });
  // The first answer of each route compiles its serializer: done now, not in someone's first request.
  await app.inject({ url: '/api/health', headers: { host: 'localhost' } });
  // Says this folder is in use (a restore refuses to replace it under a running server).
  const pidFile = new DataFolder(config.dataDir).servePid;
  try {
    fs.writeFileSync(pidFile, String(process.pid));
  } catch {
    // A read-only data folder: nothing can be restored over it either.
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/`;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      app.kbShutdown();
      // Requests in flight get the grace period; then their connections are closed.
      const grace = setTimeout(() => {
        log.warn(`requests still running after ${config.shutdownGraceMs} ms: closing their connections`);
        app.server.closeAllConnections();
      }, config.shutdownGraceMs);
      await app.close();
      clearTimeout(grace);
      await kb.close(config.shutdownGraceMs);
      fs.rmSync(pidFile, { force: true });
      log.info('stopped: database closed, vector index saved');
    })());
  if (options.handleSignals) {
    const onSignal = (signal: string) => {
      log.info(`${signal}: finishing requests in flight`);
      void close().then(() => process.exit(0));
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  }
  return { app, url, close };
}
