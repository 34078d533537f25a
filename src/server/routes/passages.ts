import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KbError } from '../../errors.js';
import type { RouteContext } from '../app.js';
import { ErrorBody, PassageList } from '../schemas.js';

const Id = z.object({ id: z.coerce.number().int().positive() });
const errors = { 400: ErrorBody, 404: ErrorBody, 429: ErrorBody, 500: ErrorBody };

/** One passage and what relates to it: the same text elsewhere, and passages near in meaning. */
export async function passageRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { config } = ctx;

  api.get('/passages/:id/repeats', {
    config: { rateLimit: ctx.rate.reads },
    schema: {
      summary: 'Every passage with the same words as this one (ignoring case, spacing and punctuation), oldest document first',
      params: Id,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(config.maxTimeline).default(Math.min(200, config.maxTimeline)) }),
      response: { 200: PassageList, ...errors },
    },
  }, async (req) => {
    const found = ctx.searcher.repeatsOf(req.params.id, req.query.limit);
    if (!found) throw new KbError('PASSAGE_NOT_FOUND', { id: req.params.id });
    return { passage_id: req.params.id, ...found };
  });

  api.get('/passages/:id/similar', {
    config: { rateLimit: ctx.rate.reads },
    schema: {
      summary: 'Related passages: the nearest in meaning, in other documents, without copies of the same text',
      params: Id,
      querystring: z.object({
        k: z.coerce.number().int().min(1).max(config.maxK).default(5),
        per_doc: z.coerce.number().int().min(1).max(config.maxK).default(1).describe('At most this many passages per document'),
      }),
      response: { 200: PassageList, ...errors },
    },
  }, async (req) => {
    const results = await ctx.searcher.similar(req.params.id, req.query.k, req.query.per_doc);
    if (!results) throw new KbError('PASSAGE_NOT_FOUND', { id: req.params.id });
    return { passage_id: req.params.id, total: results.length, results };
  });
}
