import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Health, Stats } from '../../api/responses.js';
import type { RouteContext } from '../app.js';

export async function statusRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/health',
    {
      schema: {
        summary: 'Service status: the active embedder, counts, and the vector index',
        response: { 200: Health },
      },
    },
    async () => {
      const h = await ctx.kb.health();
      const index: { embedder: string | null; count: number; opened: string; reason?: string } = {
        embedder: h.index.embedder,
        count: h.index.count,
        opened: h.index.opened,
      };
      if (h.index.reason) index.reason = h.index.reason;
      return {
        status: 'ok' as const,
        embedder: h.embedder,
        counts: h.counts,
        index,
        writes: ctx.config.apiToken ? ('token' as const) : ('loopback-only' as const),
        demo: ctx.config.demo,
      };
    },
  );

  api.get(
    '/stats',
    {
      schema: {
        summary: 'Counts of documents, passages and pages, the date range, the embedder',
        response: { 200: Stats },
      },
    },
    async () => ctx.kb.stats(),
  );
}
