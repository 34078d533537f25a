import type { Command } from 'commander';
import { requestSchemas, type RequestSchemas } from '../api/requests.js';
import { loadConfig, type Config } from '../config.js';
import { KbError } from '../errors.js';
import { KnowledgeBase, type OpenOptions } from '../knowledge-base.js';
import { createLogger, type Logger } from '../log.js';
import { createOutput, type Output } from './output.js';

/** Exit codes: what a script can rely on. */
export const EXIT = { OK: 0, SOME_FAILED: 1, USAGE: 2, ERROR: 3 } as const;

/** What every command gets: the configuration, a logger, where to write, the request schemas. */
export interface Context {
  config: Config;
  log: Logger;
  out: Output;
  requests: RequestSchemas;
}

export interface Streams {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

type GlobalOptions = {
  data?: string;
  embedder?: string;
  model?: string;
  offline?: boolean;
  json?: boolean;
  logLevel?: string;
  maxFileBytes?: string;
  parseTimeoutMs?: string;
  maxPdfPages?: string;
};

/** The context for a command, from the environment and the program's global options (options win). */
export function contextOf(
  program: Command,
  streams: Streams,
  extra: Partial<Record<keyof Config, unknown>> = {},
): Context {
  const o = program.opts<GlobalOptions>();
  const config = loadConfig(streams.env, {
    dataDir: o.data,
    json: o.json,
    logLevel: o.logLevel,
    maxFileBytes: o.maxFileBytes,
    parseTimeoutMs: o.parseTimeoutMs,
    maxPdfPages: o.maxPdfPages,
    embedder: o.embedder,
    model: o.model,
    offline: o.offline,
    ...extra,
  });
  const out = createOutput(config.json, streams.stdout, streams.stderr);
  const log = createLogger(config.logLevel, (line) => out.log(line));
  return {
    config,
    log,
    out,
    requests: requestSchemas(config),
  };
}

/** Opens the knowledge base for one command and closes it after. */
export async function withKb<T>(
  ctx: Context,
  fn: (kb: KnowledgeBase) => Promise<T> | T,
  options: OpenOptions = {},
): Promise<T> {
  const kb = await KnowledgeBase.open(ctx.config, ctx.log, options);
  try {
    return await fn(kb);
  } finally {
    await kb.close();
  }
}

/**
 * Checks options against a request schema (the API's own), so the CLI and
 * the API accept the same things; a problem is a usage error naming the option.
 */
export function parseOptions<
  S extends {
    safeParse: (
      v: unknown,
    ) =>
      | { success: true; data: unknown }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
>(
  schema: S,
  value: Record<string, unknown>,
  names: Record<string, string> = {},
): S extends { parse: (v: unknown) => infer T } ? T : never {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${names[String(i.path[0])] ?? `--${String(i.path[0]).replace(/_/g, '-')}`}: ${i.message}`)
      .join('; ');
    throw new KbError('USAGE', { detail });
  }
  return parsed.data as never;
}
