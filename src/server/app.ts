import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { KbError, toKbError } from '../errors.js';
import type { Logger } from '../log.js';
import { requestSchemas, type RequestSchemas } from '../api/requests.js';
import type { KnowledgeService } from './service.js';
import { createHash } from 'node:crypto';
import { isLoopback, requireKnownHost, requireWriteAccess } from './auth.js';
import { documentRoutes } from './routes/documents.js';
import { briefingRoutes } from './routes/briefings.js';
import { feedRoutes } from './routes/feed.js';
import { passageRoutes } from './routes/passages.js';
import { searchRoutes } from './routes/search.js';
import { statusRoutes } from './routes/status.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** From now on every request is answered 503 SHUTTING_DOWN (requests in flight finish). */
    kbShutdown(): void;
  }
}

export interface AppDeps {
  config: Config;
  /** The knowledge base, in this process or behind the search pool and the writer. */
  kb: KnowledgeService;
  log: Logger;
}

/** What route modules get: the knowledge base, the request schemas, the limits and the guards. */
export interface RouteContext extends AppDeps {
  requests: RequestSchemas;
  /** preHandler for write routes. */
  writeAccess: ReturnType<typeof requireWriteAccess>;
  rate: { reads: { max: number; timeWindow: string }; writes: { max: number; timeWindow: string } };
}

const WEB_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const GOVUK_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')),
  'dist',
  'govuk',
);

/**
 * Builds the Fastify instance without listening (`serve.ts` listens; tests
 * use inject()). Every route has zod schemas for request and response, which
 * also generate the OpenAPI document at /docs/json and the page at /docs.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  let closing = false;
  const app = Fastify({
    logger: false,
    bodyLimit: config.maxBodyBytes,
    trustProxy: false,
    // Shutting down: our own 503 (below), in the documented error shape.
    return503OnClosing: false,
    // Requests Node refuses before Fastify sees them (headers too large, malformed, too slow): the same error shape.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const e =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? new KbError('HEADERS_TOO_LARGE')
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? new KbError('REQUEST_TIMEOUT')
            : new KbError('BAD_HTTP', { detail: err.code ?? 'unreadable' });
      const body = JSON.stringify({ error: e.toJSON() });
      if (socket.writable)
        socket.write(
          `HTTP/1.1 ${e.status} ${REASONS[e.status] ?? 'Bad Request'}\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\n` +
            `Connection: close\r\n\r\n${body}`,
        );
      socket.destroy(err);
    },
  });
  app.decorate('kbShutdown', () => {
    closing = true;
  });
  app.addHook('onRequest', async (_req, reply) => {
    if (!closing) return;
    void reply.header('retry-after', '5').header('connection', 'close');
    throw new KbError('SHUTTING_DOWN');
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = toHttpError(err, config);
    // A 503 the service chose (busy, shutting down) is an answer, not a fault: no stack in the error log.
    if (e.code === 'SEARCH_BUSY' || e.code === 'SHUTTING_DOWN') deps.log.debug(`${req.method} ${req.url}: ${e.code}`);
    else if (e.status >= 500) deps.log.error(`${req.method} ${req.url}: ${err.stack ?? err.message}`);
    if (e.code === 'RATE_LIMITED' && err.statusCode === 429) reply.header('retry-after', '60');
    if (e.code === 'SEARCH_BUSY' || e.code === 'WORKER_FAILED') reply.header('retry-after', '1');
    void reply.code(e.status).send({
      error: {
        code: e.code,
        message: e.status >= 500 && e.code === 'INTERNAL' ? 'Internal error' : e.message,
        hint: e.hint,
      },
    });
  });
  // Every request must name this service in its Host header (DNS rebinding).
  app.addHook('onRequest', requireKnownHost(config.host, config.allowedHosts));
  app.setNotFoundHandler((req, reply) => {
    const e = new KbError('NOT_FOUND', { method: req.method, url: req.url.split('?')[0] });
    void reply.code(404).send({ error: e.toJSON() });
  });

  // Security headers on every response, and a strict Content-Security-Policy:
  // the page loads only its own scripts and styles, inline code never runs,
  // and no other site may frame it. No HSTS: the service speaks plain HTTP
  // on its own address (put TLS in front of it if it leaves the machine).
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    strictTransportSecurity: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  // CORS is closed (no cross-origin reads) unless origins are configured.
  await app.register(fastifyCors, {
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-requested-with'],
    maxAge: 600,
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Council knowledge base API',
        version: '1',
        description:
          'Search the council education bulletins and strategy documents; every result carries its citation.',
      },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  await app.register(fastifyRateLimit, {
    global: false,
    // Remote clients by address. Every local client comes from 127.0.0.1, so
    // there the bucket is also per program (User-Agent) and per token: one
    // script at full tilt cannot lock the page out.
    keyGenerator: (req) => {
      const ip = req.socket.remoteAddress ?? 'unknown';
      if (!isLoopback(ip)) return ip;
      const program = digestOf(String(req.headers['user-agent'] ?? ''));
      return `${ip}|${program}|${digestOf(String(req.headers.authorization ?? ''))}`;
    },
    errorResponseBuilder: (_req, ctx) => {
      const e = new KbError('RATE_LIMITED', { limit: ctx.max, retry: ctx.after });
      return Object.assign(e, { statusCode: 429 });
    },
  });
  await app.register(fastifyMultipart, {
    limits: { fileSize: config.maxFileBytes, files: config.maxUploadFiles, fields: 10, fieldSize: 1024 },
  });

  const ctx: RouteContext = {
    ...deps,
    requests: requestSchemas(config),
    writeAccess: requireWriteAccess(config.apiToken, config.corsOrigins),
    rate: {
      reads: { max: config.rateLimitReads, timeWindow: '1 minute' },
      writes: { max: config.rateLimitWrites, timeWindow: '1 minute' },
    },
  };
  await app.register(
    async (api) => {
      await searchRoutes(api, ctx);
      await documentRoutes(api, ctx);
      await passageRoutes(api, ctx);
      await briefingRoutes(api, ctx);
      await feedRoutes(api, ctx);
      await statusRoutes(api, ctx);
    },
    { prefix: '/api' },
  );

  // The page, and the GOV.UK Frontend styles served from the package itself.
  await app.register(fastifyStatic, { root: WEB_DIR, prefix: '/', index: ['index.html'], wildcard: false });
  await app.register(fastifyStatic, {
    root: GOVUK_DIR,
    prefix: '/govuk/',
    decorateReply: false,
    wildcard: false,
    allowedPath: (p) => /^\/govuk-frontend\.min\.(css|js)(\.map)?$/.test(p),
  });
  app.get('/documents', { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html', WEB_DIR));
  app.get(
    '/documents/:id',
    { schema: { hide: true, params: z.object({ id: z.coerce.number().int().positive() }) } },
    (_req, reply) => reply.sendFile('index.html', WEB_DIR),
  );
  return app;
}

const REASONS: Record<number, string> = { 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

const digestOf = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 16);

/** The page's Content-Security-Policy (helmet directives). */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Any error as the API's coded error. */
function toHttpError(err: FastifyError, config: Config): KbError {
  if (err instanceof KbError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const detail = err.validation
      .map((v) => {
        const issue = (v.params as { issue?: { path?: PropertyKey[] } } | undefined)?.issue;
        const field =
          v.instancePath.replace(/^\//, '').replace(/\//g, '.') || issue?.path?.map(String).join('.') || where;
        return `${field}: ${v.message}`;
      })
      .join('; ');
    return new KbError('INVALID_REQUEST', { detail });
  }
  if (isResponseSerializationError(err))
    return new KbError('INTERNAL', { detail: 'response did not match its schema' });
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KbError('BODY_TOO_LARGE', { limit: config.maxBodyBytes });
    case 'FST_REQ_FILE_TOO_LARGE':
      return new KbError('FILE_TOO_LARGE', {
        file: 'upload',
        size: `more than ${config.maxFileBytes}`,
        limit: config.maxFileBytes,
      });
    case 'FST_FILES_LIMIT':
      return new KbError('INVALID_REQUEST', { detail: `at most ${config.maxUploadFiles} files per upload` });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new KbError('UNSUPPORTED_MEDIA', { type: 'of this request' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new KbError('INVALID_REQUEST', { detail: 'the body is not valid JSON' });
  }
  if (err.statusCode === 429) return new KbError('RATE_LIMITED', { limit: '?', retry: 'a minute' });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return new KbError('INVALID_REQUEST', { detail: err.message });
  return toKbError(err);
}
