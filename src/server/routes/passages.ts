import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { IdParams } from '../../api/requests.js';
import { ErrorBody, PassageList } from '../../api/responses.js';
import { KbError } from '../../errors.js';
import type { RouteContext } from '../app.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody };

/** One passage and what relates to it: the same text elsewhere, and passages near in meaning. */
export async function passageRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/passages/:id/repeats',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary:
          'Every passage with the same words as this one (ignoring case, spacing and punctuation), oldest ' +
          'document first',
        params: IdParams,
        querystring: ctx.requests.repeats,
        response: { 200: PassageList, ...errors },
      },
    },
    async (req) => {
      const found = await ctx.kb.repeats(req.params.id, req.query.limit);
      if (!found) throw new KbError('PASSAGE_NOT_FOUND', { id: req.params.id });
      return { passage_id: req.params.id, ...found };
    },
  );

  api.get(
    '/passages/:id/similar',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary: 'Related passages: the nearest in meaning, in other documents, without copies of the same text',
        params: IdParams,
        querystring: ctx.requests.similar,
        response: { 200: PassageList, ...errors },
      },
    },
    async (req) => {
      const results = await ctx.kb.similar(req.params.id, req.query.k, req.query.per_doc);
      if (!results) throw new KbError('PASSAGE_NOT_FOUND', { id: req.params.id });
      return { passage_id: req.params.id, total: results.length, results };
    },
  );
}
