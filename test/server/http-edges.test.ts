import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import type { Running } from '../../src/server/serve.js';
import { uploadLabel } from '../../src/server/routes/documents.js';
import { multipart, serveSamples } from '../helpers.js';

const TOKEN = 'edges-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A raw HTTP exchange on a socket, for requests fetch() will not send. */
function raw(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), body });
    });
  });
}

describe('every answer, even to a broken request, is in the documented error shape', () => {
  let kb: KnowledgeBase;
  let running: Running;
  beforeAll(async () => {
    ({ kb, running } = await serveSamples({ apiToken: TOKEN }));
  });
  afterAll(async () => {
    await running?.close();
  });

  it('431 for headers too large, 400 for bytes that are not HTTP', async () => {
    const big = await fetch(`${running.url}api/health`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(big.status).toBe(431);
    expect((await big.json()).error).toMatchObject({
      code: 'HEADERS_TOO_LARGE',
      message: expect.any(String),
      hint: expect.any(String),
    });
    const garbage = await raw(running.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body).error.code).toBe('BAD_HTTP');
  });

  it('a malformed multipart body is a 400 with its own code, never a 500', async () => {
    const before = kb.store.stats().documents;
    const form = multipart([
      { name: 'a.txt', content: 'A note 9 July 2024\n\nSomething about school meals for the autumn term.' },
    ]);
    const cases: [string, Record<string, string>, Uint8Array<ArrayBuffer>][] = [
      ['no boundary', { 'content-type': 'multipart/form-data' }, new Uint8Array(form.payload)],
      ['cut short', form.headers, new Uint8Array(form.payload.subarray(0, 60))],
      ['random bytes', form.headers, new Uint8Array(Array.from({ length: 500 }, (_, i) => (i * 7919) % 256))],
      ['another boundary', { 'content-type': 'multipart/form-data; boundary=zzz' }, new Uint8Array(form.payload)],
    ];
    for (const [name, headers, body] of cases) {
      const res = await fetch(`${running.url}api/documents`, {
        method: 'POST',
        headers: { ...auth, ...headers },
        body,
      });
      expect(res.status, name).toBe(400);
      expect((await res.json()).error.code, name).toBe('MALFORMED_UPLOAD');
    }
    expect(kb.store.stats().documents).toBe(before);
  });

  it('a long but legal file name keeps its extension', async () => {
    const stem = 'Strategy for special educational needs and inclusion across the county '.repeat(3).slice(0, 206);
    const name = `${stem}.txt`;
    expect(name.length).toBe(210);
    expect(uploadLabel(name)).toBe(name);
    const long = `${'x'.repeat(300)}.docx`;
    expect(uploadLabel(long)).toHaveLength(255);
    expect(uploadLabel(long).endsWith('.docx')).toBe(true);
    const form = multipart([
      {
        name,
        content:
          'Inclusion 9 July 2024\n\nThe county will open more specialist places in mainstream schools next year.',
      },
    ]);
    const res = await fetch(`${running.url}api/documents`, {
      method: 'POST',
      headers: { ...auth, ...form.headers },
      body: form.payload,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).results[0]).toMatchObject({ status: 'added', file: name });
  });

  it('local programs have their own rate-limit buckets: a script at full tilt does not lock out the page', async () => {
    const { running: limited } = await serveSamples({ rateLimitReads: 3 });
    try {
      const get = (ua: string) =>
        fetch(`${limited.url}api/search?q=attendance`, { headers: { 'user-agent': ua } }).then((r) => r.status);
      const script = [];
      for (let i = 0; i < 5; i++) script.push(await get('nightly-script/1.0'));
      expect(script).toEqual([200, 200, 200, 429, 429]);
      expect(await get('Mozilla/5.0 (the page)')).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('503 SHUTTING_DOWN with Retry-After while the server stops, in the usual shape', async () => {
    const { running: stopping } = await serveSamples();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; retry: string | undefined; body: string }>((resolve, reject) => {
        http
          .get(`${stopping.url}api/health`, { agent }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () =>
              resolve({ status: res.statusCode!, retry: res.headers['retry-after'] as string | undefined, body }),
            );
          })
          .on('error', reject);
      });
    expect((await get()).status).toBe(200);
    stopping.app.kbShutdown();
    const during = await get();
    expect(during.status).toBe(503);
    expect(during.retry).toBe('5');
    expect(JSON.parse(during.body).error.code).toBe('SHUTTING_DOWN');
    agent.destroy();
    await stopping.close();
  });
});
