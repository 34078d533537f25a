import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { buildApp } from '../../src/server/app.js';
import { allowedHostnames, isLoopback } from '../../src/server/auth.js';
import { multipart, SAMPLES, tempDir } from '../helpers.js';

const TOKEN = 'security-test-token-0123456789';

async function open(overrides: Partial<Record<keyof Config, unknown>> = {}) {
  const config = loadConfig(
    {},
    { dataDir: tempDir(), offline: true, logLevel: 'silent', apiToken: TOKEN, ...overrides },
  );
  const kb = await KnowledgeBase.open(config, silentLogger);
  await kb.ingest([
    path.join(SAMPLES, '2024-01-09-weekly-update.txt'),
    path.join(SAMPLES, 'send-inclusion-strategy-2025-2028.pdf'),
  ]);
  const app = await buildApp({ config, kb, log: silentLogger });
  return { config, kb, app };
}

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('security', () => {
  let app: FastifyInstance;
  let kb: KnowledgeBase;
  let config: Config;
  beforeAll(async () => {
    ({ app, kb, config } = await open());
  });
  afterAll(async () => {
    await app.close();
    await kb.close();
  });

  it('the page and the API carry security headers and a strict Content-Security-Policy', async () => {
    for (const url of ['/', '/app.js', '/api/search?q=attendance', '/api/health', '/documents/1']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      const csp = res.headers['content-security-policy'] as string;
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    }
    // An original file is served sandboxed: nothing in it can run as the site.
    const raw = await app.inject({ url: '/api/documents/1/raw' });
    expect(raw.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('CORS is closed: another site gets no permission to read, simple or preflighted', async () => {
    const simple = await app.inject({ url: '/api/search?q=attendance', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/documents/1',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('CORS opens to the configured origins only', async () => {
    const opened = await open({ corsOrigins: 'https://intranet.example, https://briefings.example' });
    try {
      const ok = await opened.app.inject({
        url: '/api/search?q=attendance',
        headers: { origin: 'https://briefings.example' },
      });
      expect(ok.headers['access-control-allow-origin']).toBe('https://briefings.example');
      const other = await opened.app.inject({
        url: '/api/search?q=attendance',
        headers: { origin: 'https://evil.example' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await opened.app.close();
      await opened.kb.close();
    }
    expect(() => loadConfig({ KB_CORS_ORIGINS: 'not a url' }, {})).toThrow(/origin must be a URL/);
  });

  it('no path in a request reaches the file system: traversals get 4xx and nothing of the machine', async () => {
    const attempts = [
      '/../../../../etc/passwd',
      '/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/govuk/..%2f..%2f..%2fpackage.json',
      '/govuk/../../package.json',
      '/app.js/..%2f..%2fpackage.json',
      '/documents/..%2f..%2fpackage.json',
      '/api/documents/..%2f..%2fetc%2fpasswd/raw',
      '/api/documents/1%2f..%2f..%2fkb.sqlite/raw',
      '/%00/etc/passwd',
      '/web/index.html',
      '/src/config.ts',
      '/data/kb.sqlite',
      '/files/',
    ];
    for (const url of attempts) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.body, url).not.toMatch(/root:|"name": "council-kb"|SQLite format/);
    }
  });

  it('an upload named with ../ and control characters is stored under a generated name, its name a label', async () => {
    const name = '../../../tmp/evil\u0001\u0007\u001b[31m.txt';
    const form = multipart([
      {
        name,
        content:
          'Evil name\n\nA perfectly ordinary note about school transport, whose file name tries to climb out of ' +
          'the upload folder.',
      },
    ]);
    const res = await app.inject({
      method: 'POST',
      url: '/api/documents',
      headers: { authorization: `Bearer ${TOKEN}`, ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode).toBe(200);
    const result = res.json().results[0];
    expect(result.status).toBe('added');
    expect(result.file).toBe('evil[31m.txt');
    const doc = kb.store.documents.get(result.document_id)!;
    expect(doc.file_name).toBe('evil[31m.txt');
    for (const f of filesUnder(path.join(config.dataDir, 'files'))) expect(f).toMatch(/^[0-9a-f]{64}\.[a-z0-9]{1,8}$/);
    expect(fs.existsSync('/tmp/evil')).toBe(false);
    const raw = await app.inject({ url: `/api/documents/${result.document_id}/raw` });
    expect(raw.headers['content-disposition']).toBe('inline; filename="evil_31m.txt"');
  });

  it('write routes have their own, tighter rate limit', async () => {
    const limited = await open({ rateLimitWrites: 2 });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++)
        codes.push(
          (
            await limited.app.inject({
              method: 'DELETE',
              url: '/api/documents/999',
              headers: { authorization: `Bearer ${TOKEN}` },
            })
          ).statusCode,
        );
      expect(codes).toEqual([404, 404, 429]);
      expect((await limited.app.inject({ url: '/api/search?q=attendance' })).statusCode).toBe(200);
    } finally {
      await limited.app.close();
      await limited.kb.close();
    }
  });

  it('answers only to its own names: a foreign Host header (DNS rebinding) is refused on every route', async () => {
    for (const host of ['evil.example:3101', 'evil.example', '127.0.0.1.nip.io', 'localhost.evil.example']) {
      for (const url of ['/api/documents', '/api/search?q=attendance', '/']) {
        const res = await app.inject({ url, headers: { host } });
        expect(res.statusCode, `${host} ${url}`).toBe(403);
        expect(res.json().error.code).toBe('HOST_NOT_ALLOWED');
      }
    }
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'LOCALHOST']) {
      expect((await app.inject({ url: '/api/health', headers: { host } })).statusCode, host).toBe(200);
    }
    const named = await open({ allowedHosts: 'kb.council.example' });
    try {
      expect(
        (await named.app.inject({ url: '/api/health', headers: { host: 'kb.council.example:443' } })).statusCode,
      ).toBe(200);
      expect(
        (await named.app.inject({ url: '/api/health', headers: { host: 'other.council.example' } })).statusCode,
      ).toBe(403);
    } finally {
      await named.app.close();
      await named.kb.close();
    }
    expect(allowedHostnames('0.0.0.0', [])).toContain(os.hostname().toLowerCase());
  });

  it('refuses writes another site sent, token or not; reads are unaffected', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const form = multipart([
      {
        name: 'forged.txt',
        content: 'Forged bulletin 9 July 2024\n\nA bulletin nobody at the council wrote, sent by another site.',
      },
    ]);
    const before = kb.store.stats().documents;
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'http://127.0.0.1:8000' }, // another port on this machine is another origin
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/documents',
        headers: { ...auth, ...form.headers, ...headers },
        payload: form.payload,
      });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error.code).toBe('CROSS_SITE_WRITE');
      const del = await app.inject({ method: 'DELETE', url: '/api/documents/1', headers: { ...auth, ...headers } });
      expect(del.statusCode).toBe(403);
    }
    expect(kb.store.stats().documents).toBe(before);
    // The service's own page (same origin) may write.
    const own = await app.inject({
      method: 'DELETE',
      url: '/api/documents/999',
      headers: { ...auth, origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' },
    });
    expect(own.statusCode).toBe(404);
    const read = await app.inject({
      url: '/api/search?q=attendance',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(read.statusCode).toBe(200);
  });

  it('without a token, writes need a header that no form or simple cross-site request can carry', async () => {
    const open2 = await open({ apiToken: undefined });
    try {
      const form = multipart([
        {
          name: 'note.txt',
          content:
            'A note 9 July 2024\n\nAn ordinary note about transport to school, added by a script on this machine.',
        },
      ]);
      const bare = await open2.app.inject({
        method: 'POST',
        url: '/api/documents',
        headers: form.headers,
        payload: form.payload,
        remoteAddress: '127.0.0.1',
      });
      expect(bare.statusCode).toBe(403);
      expect(bare.json().error.code).toBe('WRITE_NEEDS_HEADER');
      const scripted = await open2.app.inject({
        method: 'POST',
        url: '/api/documents',
        headers: { ...form.headers, 'x-requested-with': 'script' },
        payload: form.payload,
        remoteAddress: '127.0.0.1',
      });
      expect(scripted.statusCode).toBe(200);
      const remote = await open2.app.inject({
        method: 'DELETE',
        url: '/api/documents/1',
        headers: { 'x-requested-with': 'script' },
        remoteAddress: '10.0.0.7',
      });
      expect(remote.statusCode).toBe(401);
    } finally {
      await open2.app.close();
      await open2.kb.close();
    }
  });

  it('a loopback address is an address in 127.0.0.0/8 or ::1, never a name that starts like one', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', 'localhost', '[::1]'])
      expect(isLoopback(a), a).toBe(true);
    for (const a of ['127.evil.example', '127.0.0.1.nip.io', '10.0.0.1', '0.0.0.0', '::', 'example.org', '', undefined])
      expect(isLoopback(a), String(a)).toBe(false);
  });
});
