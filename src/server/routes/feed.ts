import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { decoded } from '../../api/encoded.js';
import { atomFeed, fromDate, newestMentions } from '../../search/feed.js';
import type { RouteContext } from '../app.js';

/** Entries in a feed. */
const FEED_ENTRIES = 50;

export async function feedRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/feed',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary: 'A followed search as an Atom feed: the newest passages with its words, newest first',
        querystring: ctx.requests.feed,
      },
    },
    async (req, reply) => {
      const { q, since, as_typed, from, to, kind, document } = req.query;
      const t = decoded(
        await ctx.kb.timeline({
          q,
          mode: 'lexical',
          limit: ctx.config.maxTimeline,
          repeats: 'collapse',
          as_typed,
          from: fromDate(since, from),
          to,
          kind,
          document,
        }),
      );
      const base = `${req.protocol}://${req.headers.host ?? `${ctx.config.host}:${ctx.config.port}`}/`;
      const search = new URLSearchParams({ q });
      for (const [k, v] of Object.entries({ from, to, kind, since })) if (v) search.set(k, String(v));
      if (document) search.set('document', String(document));
      const xml = atomFeed(newestMentions(t, FEED_ENTRIES), {
        query: q,
        selfUrl: new URL(req.url, base).href,
        pageUrl: new URL(`/?${search}`, base).href,
        base,
      });
      return reply.type('application/atom+xml; charset=utf-8').send(xml);
    },
  );
}
