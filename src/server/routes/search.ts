import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KbError } from '../../errors.js';
import { ask } from '../../search/ask.js';
import type { DocumentKind } from '../../store/types.js';
import type { RouteContext } from '../app.js';
import { AskResponse, ErrorBody, Mode, Repeats, SearchResponse, TimelineResponse, filtersSchema } from '../schemas.js';

const errors = { 400: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody };

export async function searchRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { config } = ctx;
  const checkLength = (q: string) => {
    if (q.length > config.maxQueryChars) throw new KbError('QUERY_TOO_LONG', { length: q.length, limit: config.maxQueryChars });
  };

  api.get('/search', {
    config: { rateLimit: ctx.rate.reads },
    schema: {
      summary: 'Search passages by meaning and by words; every result carries its citation',
      querystring: z.object({
        q: z.string().trim().min(1, 'type something to search for'),
        k: z.coerce.number().int().min(1).max(config.maxK).default(10),
        mode: Mode.default('hybrid'),
        per_doc: z.coerce.number().int().min(1).max(config.maxK).default(3).describe('At most this many passages per document'),
        repeats: Repeats.default('collapse'),
        ...filtersSchema(),
      }),
      response: { 200: SearchResponse, ...errors },
    },
  }, async (req) => {
    const q = req.query;
    checkLength(q.q);
    return ctx.searcher.search({ q: q.q, k: q.k, mode: q.mode, perDoc: q.per_doc, repeats: q.repeats, from: q.from, to: q.to, kind: q.kind as DocumentKind | undefined, document: q.document });
  });

  api.get('/timeline', {
    config: { rateLimit: ctx.rate.reads },
    schema: {
      summary: 'What the documents say about a query over time: matching passages grouped by month, first and latest mention marked',
      description:
        'Lists every passage that has all the words of the query (stemmed), up to limit, and, unless mode is lexical, the passages nearest in meaning that lack them (20 at most). Repeated text counts once, at its earliest date, unless repeats=all.',
      querystring: z.object({
        q: z.string().trim().min(1, 'type something to search for'),
        mode: Mode.default('hybrid'),
        limit: z.coerce.number().int().min(1).max(config.maxTimeline).default(Math.min(200, config.maxTimeline)),
        repeats: Repeats.default('collapse'),
        ...filtersSchema(),
      }),
      response: { 200: TimelineResponse, ...errors },
    },
  }, async (req) => {
    const q = req.query;
    checkLength(q.q);
    return ctx.searcher.timeline({ q: q.q, mode: q.mode, limit: q.limit, repeats: q.repeats, from: q.from, to: q.to, kind: q.kind as DocumentKind | undefined, document: q.document });
  });

  api.post('/ask', {
    config: { rateLimit: ctx.rate.reads },
    schema: {
      summary: 'An extractive answer: the sentences that best answer the question, with numbered citations',
      body: z.object({
        question: z.string().trim().min(1, 'ask a question'),
        k: z.number().int().min(1).max(config.maxK).default(5),
        filters: z.object(filtersSchema()).default({}),
      }),
      response: { 200: AskResponse, ...errors },
    },
  }, async (req) => {
    const { question, k, filters } = req.body;
    checkLength(question);
    return ask(ctx.searcher, ctx.kb.embeddings.queryEmbedder(), {
      question,
      k,
      filters: { ...filters, kind: filters.kind as DocumentKind | undefined },
    });
  });
}
