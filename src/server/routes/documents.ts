import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams } from '../../api/requests.js';
import { DocumentFull, DocumentList, ErrorBody, UploadResponse } from '../../api/responses.js';
import { KbError, type ErrorCode } from '../../errors.js';
import type { RouteContext } from '../app.js';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
};

/** Types a browser may show inline; anything else is offered as what it is. */
const TEXT_TYPES = new Set(['text/plain', 'text/html', 'message/rfc822']);

export async function documentRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/documents',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary: 'Documents, newest first, paged and filterable',
        querystring: ctx.requests.documents,
        response: { 200: DocumentList, ...errors },
      },
    },
    async (req) => {
      const { total, documents } = await ctx.kb.documents(req.query);
      return { total, limit: req.query.limit, offset: req.query.offset, documents };
    },
  );

  api.get(
    '/documents/:id',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary: 'A document: metadata, full text, and its passages with their offsets',
        params: IdParams,
        response: { 200: DocumentFull, ...errors },
      },
    },
    async (req) => ctx.kb.document(req.params.id),
  );

  api.get(
    '/documents/:id/raw',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: { summary: 'The original file (PDFs open at #page=N)', params: IdParams },
    },
    async (req, reply) => {
      const original = await ctx.kb.original(req.params.id);
      const safeName = original.fileName.replace(/[^\w.\- ]+/g, '_');
      void reply.header('content-type', TEXT_TYPES.has(original.mime) ? 'text/plain; charset=utf-8' : original.mime);
      void reply.header('content-disposition', `inline; filename="${safeName}"`);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('content-security-policy', "default-src 'none'; sandbox");
      return reply.send(fs.createReadStream(original.path));
    },
  );

  api.delete(
    '/documents/:id',
    {
      config: { rateLimit: ctx.rate.writes },
      preHandler: ctx.writeAccess,
      schema: {
        summary: 'Delete a document, its attachments and everything derived from them',
        security: [{ token: [] }],
        params: IdParams,
        response: {
          200: z.object({ deleted: z.array(z.object({ document_id: z.number().int(), title: z.string() })) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { deleted, failed } = await ctx.kb.delete([req.params.id]);
      if (failed.length) throw failed[0]!.error;
      return { deleted: deleted.map((d) => ({ document_id: d.id, title: d.title })) };
    },
  );

  api.post(
    '/documents/fetch',
    {
      config: { rateLimit: ctx.rate.writes },
      preHandler: [
        async () => {
          if (!ctx.config.apiToken) throw new KbError('TOKEN_REQUIRED');
        },
        ctx.writeAccess,
      ],
      schema: {
        summary: 'Fetch web pages, listing pages, sitemaps or feeds and store them, as `kb ingest URL` does',
        description:
          'Each page is stored under its canonical address with the PDF and DOCX files its main content links ' +
          "attached; the site's robots.txt, Crawl-delay and the KB_WEB_* limits apply. Answered once stored " +
          '(passages are embedded next). Needs the API token, always: the server fetches what it is told to.',
        security: [{ token: [] }],
        body: z.object({
          urls: z
            .array(
              z
                .string()
                .regex(/^https?:\/\/\S+$/i, 'must be an http:// or https:// address')
                .max(2_000),
            )
            .min(1)
            .max(ctx.config.maxUploadFiles),
          allow_hosts: z
            .array(z.string().regex(/^[\w.:-]+$/))
            .max(20)
            .optional(),
        }),
        response: { 200: UploadResponse, ...errors },
      },
    },
    async (req) => {
      const { urls, allow_hosts } = req.body;
      return ctx.kb.fetchWeb(urls, allow_hosts ? { allowHosts: allow_hosts } : {});
    },
  );

  api.post(
    '/documents',
    {
      config: { rateLimit: ctx.rate.writes },
      preHandler: ctx.writeAccess,
      schema: {
        summary: 'Upload one or more files (multipart/form-data), ingested as by `kb ingest`',
        description:
          'Each file is identified by its content unless a `source_id` field precedes it (then a later upload ' +
          'with the same source_id replaces it). An e-mail is identified by its Message-ID.',
        security: [{ token: [] }],
        consumes: ['multipart/form-data'],
        response: { 200: UploadResponse, ...errors },
      },
    },
    async (req) => {
      if (!req.isMultipart()) throw new KbError('UNSUPPORTED_MEDIA', { type: req.headers['content-type'] ?? '(none)' });
      const received: { name: string; bytes: Buffer; sourceId?: string }[] = [];
      let sourceId: string | undefined;
      try {
        for await (const part of req.parts()) {
          if (part.type === 'field') {
            if (part.fieldname === 'source_id' && typeof part.value === 'string' && part.value.trim())
              sourceId = part.value.trim().slice(0, 300);
            continue;
          }
          const bytes = await part.toBuffer();
          received.push({ name: uploadLabel(part.filename), bytes, ...(sourceId ? { sourceId } : {}) });
          sourceId = undefined;
        }
      } catch (err) {
        // Limits keep their own codes; anything else busboy says is a malformed body.
        const code = (err as { code?: string }).code;
        if (err instanceof KbError || (code && /^FST_/.test(code))) throw err;
        throw new KbError('MALFORMED_UPLOAD', { detail: (err as Error).message }, { cause: err });
      }
      if (!received.length)
        throw new KbError('INVALID_REQUEST', {
          detail: 'no file in the upload (send multipart/form-data with one or more file fields)',
        });
      const { results, summary } = await ctx.kb.upload(received);
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length === results.length) {
        // Nothing could be stored: an error, with every file's reason.
        const first = failed[0]!.error!;
        const error = new KbError(first.code as ErrorCode, {});
        throw Object.assign(error, {
          message: failed.map((r) => r.error!.message).join('; '),
          hint: first.hint,
          status: error.status === 413 ? 413 : error.status === 415 ? 415 : 422,
        });
      }
      return { results, summary };
    },
  );
}

/** Longest file name kept as a label (most file systems allow 255). */
export const MAX_LABEL_CHARS = 255;

/**
 * The client's file name as a label: never a path on this machine (folders
 * and control characters go), and cut to MAX_LABEL_CHARS keeping its
 * extension, which says how the file is read.
 */
export function uploadLabel(fileName: string | undefined): string {
  const base =
    (fileName || 'upload')
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .split(/[\\/]/)
      .pop()!
      .trim() || 'upload';
  if (base.length <= MAX_LABEL_CHARS) return base;
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(base)?.[0] ?? '';
  return base.slice(0, MAX_LABEL_CHARS - ext.length) + ext;
}
