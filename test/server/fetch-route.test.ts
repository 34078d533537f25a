import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PooledService } from '../../src/server/pooled-service.js';
import { serve, type Running } from '../../src/server/serve.js';
import { silentLogger } from '../../src/log.js';
import { startSite, type SiteBulletin } from '../fixtures/site.js';
import { serveSamples, testConfig } from '../helpers.js';

const TOKEN = 'fetch-route-token-0123456789';
const bulletin: SiteBulletin = {
  slug: 'weekly-update',
  title: '3 December 2026 weekly update',
  date: '2026-12-03',
  paragraphs: [
    'Nominations for the county teaching awards close on Friday; every school may nominate one colleague.',
    'The new admissions portal opens on Monday for September places in reception and year 7.',
  ],
  pdf: { name: 'awards.pdf', bytes: new TextEncoder().encode('not a pdf') },
};

describe('POST /api/documents/fetch', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  beforeAll(async () => {
    site = await startSite([bulletin]);
  });
  afterAll(() => site.close());

  it('is refused when the service has no token: the server fetches what it is told to', async () => {
    const { running } = await serveSamples({ webDelayMs: 0 });
    try {
      const res = await fetch(`${running.url}api/documents/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'kb' },
        body: JSON.stringify({ urls: [`${site.origin}/sitemap.xml`] }),
      });
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('TOKEN_REQUIRED');
      expect(site.requests).toEqual([]);
    } finally {
      await running.close();
    }
  });

  it('with the token, kb serve (writer thread) stores the pages and answers with every result', async () => {
    const config = testConfig({ apiToken: TOKEN, webDelayMs: 0, port: 0, embedder: 'builtin', offline: true });
    const service = await PooledService.start(config, silentLogger);
    let running: Running | undefined;
    try {
      running = await serve(service, config, silentLogger);
      const post = (body: unknown, token = TOKEN) =>
        fetch(`${running!.url}api/documents/fetch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
      expect((await post({ urls: ['file:///etc/passwd'] })).status).toBe(400);
      expect((await post({ urls: [`${site.origin}/sitemap.xml`] }, 'wrong-token-0123456789')).status).toBe(403);
      const res = await post({ urls: [`${site.origin}/sitemap.xml`] });
      expect(res.status).toBe(200);
      const body = await res.json();
      const page = `${site.origin}/education/bulletins/weekly-update`;
      expect(body.summary).toMatchObject({ added: 1, failed: 1, skipped: 1 });
      expect(body.results).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ source_id: page, status: 'added' }),
          // The "PDF" is not one: it fails alone, with its reason.
          expect.objectContaining({ source_id: `${site.origin}/documents/awards.pdf`, status: 'failed' }),
          expect.objectContaining({
            status: 'skipped',
            error: expect.objectContaining({ code: 'WEB_ROBOTS_DISALLOWED' }),
          }),
        ]),
      );
      await expect
        .poll(async () => {
          const r = await fetch(`${running!.url}api/search?q=admissions+portal+reception&mode=lexical&k=1`);
          return (await r.json()).results?.[0]?.citation?.source;
        })
        .toBe(page);
    } finally {
      await running?.close();
    }
  });
});
