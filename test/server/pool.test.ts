import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { requestSchemas } from '../../src/api/requests.js';
import { SearchResponse } from '../../src/api/responses.js';
import { silentLogger } from '../../src/log.js';
import { PooledService } from '../../src/server/pooled-service.js';
import { serve, type Running } from '../../src/server/serve.js';
import { generator } from '../bench/synthetic.js';
import { tempDir } from '../helpers.js';

/**
 * `kb serve` as it runs: the writer thread and a pool of search workers
 * behind the routes, over a generated collection of 2,500 passages in which
 * one request (every passage with "the", as a timeline) is slow and another
 * (a search) is quick.
 */
const SLOW = '/api/timeline?q=the&mode=lexical&limit=5000';
const QUICK = '/api/search?q=school+attendance&mode=lexical&k=3';

async function collection(): Promise<Config> {
  const config = loadConfig(
    {},
    { dataDir: tempDir(), offline: true, embedder: 'builtin', logLevel: 'silent', maxTimeline: 5000, port: 0 },
  );
  const kb = await KnowledgeBase.open(config, silentLogger);
  const gen = generator(7, 2500);
  const docs = Array.from({ length: 250 }, (_, d) => ({
    sourceId: `generated:${d}`,
    title: gen.title(),
    text: Array.from({ length: 10 }, () => gen.passage(150, d % gen.topics)).join('\n\n'),
    publishedAt: gen.date(),
  }));
  kb.ingestText(docs);
  await kb.refresh();
  await kb.close();
  return config;
}

/**
 * A slow request, then (once a worker has it) a quick one: which answered
 * first, and how long the slow one took in its worker. The order, not a
 * timing ratio, is what is checked: on a shared machine a quick request can
 * take a while, but it cannot finish first if it waited behind the slow one.
 */
async function race(base: string): Promise<{ first: 'quick' | 'slow'; slowMs: number }> {
  const order: string[] = [];
  const slow = fetch(`${base}${SLOW.slice(1)}`).then(async (r) => {
    order.push('slow'); // when its answer began: a long body takes a while to read
    expect(r.status).toBe(200);
    return (await r.json()).took_ms as number;
  });
  await new Promise((r) => setTimeout(r, 20));
  const quick = await fetch(`${base}${QUICK.slice(1)}`);
  order.push('quick');
  expect(quick.status).toBe(200);
  await quick.json();
  const slowMs = await slow;
  return { first: order[0] as 'quick' | 'slow', slowMs };
}

describe('the search pool behind kb serve', () => {
  let config: Config;
  beforeAll(async () => {
    config = await collection();
  }, 120_000);

  const start = async (overrides: Partial<Config>) => {
    const c = { ...config, ...overrides };
    const service = await PooledService.start(c, silentLogger);
    const running = await serve(service, c, silentLogger);
    return { service, running };
  };

  describe('with two workers', () => {
    let service: PooledService;
    let running: Running;
    beforeAll(async () => {
      ({ service, running } = await start({ searchWorkers: 2 }));
    }, 60_000);
    afterAll(async () => {
      await running?.close();
    });

    it('a slow request does not delay a quick one sent after it', async () => {
      const { first, slowMs } = await race(running.url);
      expect(slowMs).toBeGreaterThan(100);
      expect(first).toBe('quick');
    });

    it('answers written as JSON in the workers are those of the knowledge base in this process', async () => {
      const kb = await KnowledgeBase.open(config, silentLogger, { mode: 'read' });
      const untimed = (x: object) => ({ ...x, took_ms: 0 });
      const requests = requestSchemas(config);
      try {
        const q = { q: 'school attendance', k: 5, mode: 'hybrid' as const };
        const search = await fetch(`${running.url}api/search?q=school+attendance&k=5&mode=hybrid`);
        expect(search.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const body = await search.json();
        expect(body.results.length).toBe(5);
        expect(untimed(body)).toEqual(untimed(SearchResponse.parse(await kb.search(requests.search.parse(q)))));
        const timeline = await fetch(`${running.url}api/timeline?q=attendance&mode=lexical`);
        expect(timeline.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const expected = await kb.timeline(requests.timeline.parse({ q: 'attendance', mode: 'lexical' }));
        expect(untimed(await timeline.json())).toEqual(untimed(expected));
        const ask = await fetch(`${running.url}api/ask`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: 'how is school attendance' }),
        });
        expect(ask.status).toBe(200);
        const answer = await kb.ask(requests.ask.parse({ question: 'how is school attendance' }));
        expect(untimed(await ask.json())).toEqual(untimed(answer));
      } finally {
        await kb.close();
      }
    });

    it('a worker that dies fails its request with a coded error, not a hang, and is replaced', async () => {
      const pool = service.searchPool;
      const slow = fetch(`${running.url}${SLOW.slice(1)}`);
      await expect.poll(() => pool.busy().length, { interval: 1 }).toBe(1);
      await pool.stopWorker(pool.busy()[0]!);
      const res = await slow;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await res.json()).error).toMatchObject({
        code: 'WORKER_FAILED',
        message: expect.stringMatching(/search worker \d stopped/),
      });
      await expect.poll(() => pool.ready, { timeout: 20_000 }).toBe(2);
      for (let i = 0; i < 4; i++) expect((await fetch(`${running.url}${QUICK.slice(1)}`)).status).toBe(200);
    });
  });

  it('with one worker the quick request waits, and a full queue is an immediate 503 with Retry-After', async () => {
    const { running } = await start({ searchWorkers: 1, searchQueue: 1 });
    try {
      // The quick request waits for the slow one: the pool, not luck, is what keeps them apart.
      const { first } = await race(running.url);
      expect(first).toBe('slow');
      const burst = await Promise.all(Array.from({ length: 6 }, () => fetch(`${running.url}${SLOW.slice(1)}`)));
      const statuses = burst.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2); // the one running and the one waiting
      const refused = burst.filter((r) => r.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.headers.get('retry-after')).toBe('1');
        expect((await r.json()).error).toMatchObject({
          code: 'SEARCH_BUSY',
          message: expect.stringContaining('waiting'),
        });
      }
      await Promise.all(burst.map((r) => r.bodyUsed || r.arrayBuffer().catch(() => undefined)));
    } finally {
      await running.close();
    }
  });
});
