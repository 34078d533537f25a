import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { toDocx } from '../../briefing/docx.js';
import { buildPack, packFileName, toMarkdown } from '../../briefing/pack.js';
import type { RouteContext } from '../app.js';

const TYPES = {
  md: 'text/markdown; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

export async function briefingRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/briefings/export',
    {
      config: { rateLimit: ctx.rate.reads },
      schema: {
        summary: 'A briefing pack of quotes with their notes and citations, as a Word document or Markdown',
        body: ctx.requests.briefing,
      },
    },
    async (req, reply) => {
      const { title, format, items } = req.body;
      const found = await ctx.kb.quotes([...new Set(items.map((i) => i.passage_id))]);
      const base = `${req.protocol}://${req.headers.host ?? `${ctx.config.host}:${ctx.config.port}`}/`;
      const pack = buildPack({ title, items }, new Map(found.map((q) => [q.passage_id, q])), base);
      const body = format === 'md' ? toMarkdown(pack) : await toDocx(pack);
      return reply
        .type(TYPES[format])
        .header('content-disposition', `attachment; filename="${packFileName(pack, format)}"`)
        .send(body);
    },
  );
}
