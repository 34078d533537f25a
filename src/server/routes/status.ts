import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { recordedEmbedder } from '../../knowledge-base.js';
import type { RouteContext } from '../app.js';
import { Health, Stats } from '../schemas.js';

export async function statusRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { store, vectors } = ctx.kb;

  api.get('/health', { schema: { summary: 'Service status: the active embedder, counts, and the vector index', response: { 200: Health } } }, async () => {
    vectors.sync();
    const state = vectors.state();
    const stats = store.stats();
    const index: { embedder: string | null; count: number; opened: string; reason?: string } = { embedder: state.embedder, count: state.count, opened: state.opened };
    if (state.reason) index.reason = state.reason;
    return {
      status: 'ok' as const,
      embedder: recordedEmbedder(store) ?? ctx.kb.embedderInfo(),
      counts: { documents: stats.documents, passages: stats.passages, vectors: state.count },
      index,
      writes: ctx.config.apiToken ? ('token' as const) : ('loopback-only' as const),
    };
  });

  api.get('/stats', { schema: { summary: 'Counts of documents, passages and pages, the date range, the embedder', response: { 200: Stats } } }, async () => ({
    ...store.stats(),
    embedder: recordedEmbedder(store),
  }));
}
