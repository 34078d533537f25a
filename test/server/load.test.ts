import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/server/serve.js';
import { multipart, serveSamples } from '../helpers.js';

const TOKEN = 'load-test-token-0123456789';
const SECONDS = 8;

/**
 * A busy morning: searches at full tilt (autocannon, loopback, bounded in
 * time) while documents are uploaded and deleted through the API. No 5xx,
 * and no search that starts after a delete has answered ever returns a
 * passage of the deleted document.
 */
describe('under load: searches while uploads and deletes go through the API', () => {
  let running: Running;
  beforeAll(async () => {
    ({ running } = await serveSamples({ apiToken: TOKEN, rateLimitReads: 10_000_000, rateLimitWrites: 10_000 }));
  });
  afterAll(async () => {
    await running?.close();
  });

  it(`${SECONDS} s of searches with uploads and deletes: no 5xx, never a deleted passage, p99 reported`, async () => {
    const base = running.url;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const queries = [
      'apprenticeships',
      'zeppelin hangar maintenance',
      'attendance',
      'zeppelin',
      'school places',
      'what did we say about zeppelins',
    ];
    let next = 0;
    const load = autocannon({
      url: base,
      connections: 8,
      duration: SECONDS,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/api/search?q=${encodeURIComponent(queries[next++ % queries.length]!)}`,
          }),
        },
      ],
    });
    const deadline = Date.now() + SECONDS * 1000 - 500;
    /** Passage ids of deleted documents, and when their delete answered. */
    const deleted = new Map<number, number>();
    const statuses: number[] = [];
    const violations: string[] = [];
    let cycles = 0;
    let checks = 0;

    const writer = (async () => {
      for (let i = 0; Date.now() < deadline; i++) {
        const form = multipart([
          {
            name: `zeppelin-${i}.txt`,
            content:
              `Zeppelin note ${i}\n\nThe zeppelin hangar at school ${i} needs maintenance before the spring ` +
              `term; governors will inspect the zeppelin moorings and the hangar roof on ${(i % 28) + 1} March.`,
          },
        ]);
        const up = await fetch(`${base}api/documents`, {
          method: 'POST',
          headers: { ...auth, ...form.headers },
          body: form.payload,
        });
        statuses.push(up.status);
        const id = (await up.json()).results?.[0]?.document_id as number;
        const doc = await fetch(`${base}api/documents/${id}`);
        statuses.push(doc.status);
        const passages = ((await doc.json()).passages as { id: number }[]).map((p) => p.id);
        const del = await fetch(`${base}api/documents/${id}`, { method: 'DELETE', headers: auth });
        statuses.push(del.status);
        await del.arrayBuffer();
        const at = performance.now();
        for (const p of passages) deleted.set(p, at);
        cycles++;
      }
    })();

    const checker = (async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        for (const url of [
          `${base}api/search?q=zeppelin+hangar&k=20&per_doc=5`,
          `${base}api/timeline?q=zeppelin&mode=lexical`,
        ]) {
          const res = await fetch(url);
          statuses.push(res.status);
          const body = await res.json();
          const hits: { passage_id: number }[] = body.results ?? [
            ...body.months.flatMap((m: { passages: unknown[] }) => m.passages),
            ...body.undated,
          ];
          for (const h of hits) {
            const gone = deleted.get(h.passage_id);
            if (gone !== undefined && gone < started)
              violations.push(
                `${url} returned passage ${h.passage_id}, deleted ${Math.round(started - gone)} ms before the request`,
              );
          }
          checks++;
        }
      }
    })();

    const [result] = await Promise.all([load, writer, checker]);
    process.stderr.write(
      `load: ${result.requests.total} searches (${Math.round(result.requests.average)}/s), ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
        `${result.errors} errors, ${result.non2xx} non-2xx; ` +
        `${cycles} upload-delete cycles, ${checks} checked searches\n`,
    );
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.requests.total).toBeGreaterThan(100);
    expect(result.latency.p99).toBeGreaterThan(0);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(cycles).toBeGreaterThan(2);
    expect(checks).toBeGreaterThan(4);
    expect(violations).toEqual([]);
    // Afterwards, nothing of them is left anywhere.
    const after = await (await fetch(`${base}api/search?q=zeppelin+hangar+maintenance&k=50`)).json();
    expect(after.results.filter((h: { passage_id: number }) => deleted.has(h.passage_id))).toEqual([]);
  }, 60_000);
});
