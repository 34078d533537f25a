import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AskResponse, ErrorBody, SearchResponse, TimelineResponse } from '../../api/responses.js';
import type { RouteContext } from '../app.js';
import { sendAnswer } from './answer.js';

const errors = { 400: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody };

export async function searchRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { requests } = ctx;

  api.get(
    '/search',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary: 'Search passages by meaning and by words; every result carries its citation',
        querystring: requests.search,
        response: { 200: SearchResponse, ...errors },
      },
    },
    async (req, reply) => sendAnswer(reply, await ctx.kb.search(req.query)),
  );

  api.get(
    '/timeline',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary:
          'What the documents say about a query over time: matching passages grouped by month, first and latest ' +
          'mention marked',
        description:
          'Lists every passage that has all the words of the query (stemmed), up to limit, and, unless mode is ' +
          'lexical, the passages nearest in meaning that lack them (20 at most). Repeated text counts once, at ' +
          'its earliest date, unless repeats=all.',
        querystring: requests.timeline,
        response: { 200: TimelineResponse, ...errors },
      },
    },
    async (req, reply) => sendAnswer(reply, await ctx.kb.timeline(req.query)),
  );

  api.post(
    '/ask',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary: 'An extractive answer: the sentences that best answer the question, with numbered citations',
        body: requests.ask,
        response: { 200: AskResponse, ...errors },
      },
    },
    async (req, reply) => sendAnswer(reply, await ctx.kb.ask(req.body)),
  );
}
