import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { buildApp } from '../../src/server/app.js';
import { serve } from '../../src/server/serve.js';
import { BULLETINS, HAS_SHARED, SAMPLES, multipart, tempDir } from '../helpers.js';
import { makePdf } from '../../data/generate/make-pdf.js';

const TOKEN = 'test-token-0123456789abcdef';
const XSS =
  'Safeguarding notice\n\nThe safeguarding team reminds staff about <script>alert(1)</script> and <img src=x ' +
  'onerror=alert(2)> in messages, which must never run when this passage is shown.';

async function openKb(
  overrides: Partial<Record<keyof Config, unknown>>,
  paths: string[],
  extra: { name: string; content: string }[] = [],
) {
  const config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent', ...overrides });
  const kb = await KnowledgeBase.open(config, silentLogger);
  const dir = tempDir();
  for (const f of extra) fs.writeFileSync(path.join(dir, f.name), f.content);
  await kb.ingest([...paths, ...extra.map((f) => path.join(dir, f.name))]);
  return { config, kb };
}

describe.skipIf(!HAS_SHARED)('search over the real bulletins', () => {
  let app: FastifyInstance;
  let kb: KnowledgeBase;
  beforeAll(async () => {
    ({ kb } = await openKb({}, [BULLETINS]));
    app = await buildApp({ config: kb.config, kb, log: silentLogger });
  });
  afterAll(async () => {
    await app.close();
    await kb.close();
  });

  it('ranks the National Apprenticeship Week passage first for "apprenticeships", dated 2015-03-10', async () => {
    const res = await app.inject({ url: '/api/search?q=apprenticeships' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.embedder).toMatchObject({ builtin: true });
    expect(body.results[0].citation).toMatchObject({
      date: '2015-03-10',
      section: 'National Apprenticeship Week',
      title: '10 March 2015 weekly update',
    });
    expect(body.results[0].text).toContain('National Apprenticeship Week began on Monday 9 March');
  });

  it('finds the 86% passage in the top three for a question worded differently', async () => {
    const res = await app.inject({
      url: `/api/search?q=${encodeURIComponent('how did headteachers react to the idea of an education trust')}`,
    });
    const top3 = res
      .json()
      .results.slice(0, 3)
      .map((r: { text: string }) => r.text);
    expect(top3.some((t: string) => t.includes('86% in support of the proposal'))).toBe(true);
  });
});

describe('the API over the bundled samples', () => {
  let app: FastifyInstance;
  let kb: KnowledgeBase;
  beforeAll(async () => {
    ({ kb } = await openKb(
      {
        apiToken: TOKEN,
        maxQueryChars: 200,
        maxK: 20,
        maxBodyBytes: 2048,
        maxFileBytes: 50_000,
        rateLimitWrites: 1000,
      },
      [SAMPLES],
      [{ name: 'xss-notice.txt', content: XSS }],
    ));
    app = await buildApp({ config: kb.config, kb, log: silentLogger });
  });
  afterAll(async () => {
    await app.close();
    await kb.close();
  });

  it('GET /api/search: hybrid by default, with citations, snippets and the embedder', async () => {
    const body = (await app.inject({ url: '/api/search?q=what+did+we+say+about+apprenticeships&k=5' })).json();
    expect(body).toMatchObject({
      query: 'what did we say about apprenticeships',
      mode: 'hybrid',
      embedder: { builtin: true },
    });
    expect(body.results.length).toBeGreaterThan(0);
    const hit = body.results[0];
    expect(hit.snippet).toMatch(/<mark>[Aa]pprentice/);
    expect(hit.citation).toMatchObject({
      document_id: expect.any(Number),
      title: expect.any(String),
      url: expect.stringMatching(/^\/documents\/\d+\?passage=\d+#passage-\d+$/),
    });
    const doc = (await app.inject({ url: `/api/documents/${hit.citation.document_id}` })).json();
    expect(doc.text.slice(hit.citation.start, hit.citation.end)).toBe(hit.text);
  });

  it('each mode, the filters, and at most per_doc passages per document', async () => {
    for (const mode of ['lexical', 'semantic', 'hybrid']) {
      const body = (await app.inject({ url: `/api/search?q=apprenticeship+levy&mode=${mode}` })).json();
      expect(body.mode).toBe(mode);
      expect(body.results.length).toBeGreaterThan(0);
    }
    const dated = (
      await app.inject({ url: '/api/search?q=apprenticeships&from=2024-03-01&to=2024-12-31&k=20' })
    ).json();
    expect(dated.results.length).toBeGreaterThan(0);
    for (const r of dated.results)
      expect(r.citation.date >= '2024-03-01' && r.citation.date <= '2024-12-31').toBe(true);
    const strategies = (await app.inject({ url: '/api/search?q=apprenticeships&kind=strategy&k=20' })).json();
    expect(strategies.results.length).toBeGreaterThan(0);
    expect(strategies.results.every((r: { citation: { kind: string } }) => r.citation.kind === 'strategy')).toBe(true);
    const pdfHit = strategies.results.find((r: { citation: { page: number | null } }) => r.citation.page !== null);
    expect(pdfHit.citation.raw_url).toMatch(/\/raw#page=\d+$/);
    const capped = (await app.inject({ url: '/api/search?q=apprenticeships&per_doc=1&k=20' })).json();
    const docs = capped.results.map((r: { citation: { document_id: number } }) => r.citation.document_id);
    expect(new Set(docs).size).toBe(docs.length);
    const one = (await app.inject({ url: `/api/search?q=apprenticeships&document=${docs[0]}&k=20` })).json();
    expect(
      one.results.every(
        (r: { citation: { document_id: number; attached_to: { document_id: number } | null } }) =>
          r.citation.document_id === docs[0] || r.citation.attached_to?.document_id === docs[0],
      ),
    ).toBe(true);
  });

  it('an attached PDF says which bulletin it came with', async () => {
    const body = (
      await app.inject({ url: '/api/search?q=apprenticeship+guarantee+care+leavers&kind=strategy' })
    ).json();
    const attached = body.results.find((r: { citation: { title: string } }) =>
      r.citation.title.startsWith('Skills and Apprenticeships'),
    );
    expect(attached.citation.attached_to).toMatchObject({ title: '5 March 2024 weekly update' });
  });

  it('ingested markup comes back inert in every field', async () => {
    const body = (await app.inject({ url: '/api/search?q=safeguarding+script+onerror' })).json();
    const hit = body.results.find((r: { text: string }) => r.text.includes('<script>'));
    expect(hit).toBeDefined();
    expect(hit.snippet).not.toMatch(/<script|<img/);
    expect(hit.snippet).toMatch(/&lt;(<mark>)?script(<\/mark>)?&gt;alert\(1\)/);
    expect(hit.snippet.replace(/<\/?mark>/g, '')).not.toMatch(/</);
    expect(JSON.stringify(hit.citation)).not.toMatch(/<script|<img/);
    expect(hit.text).toContain('<script>alert(1)</script>'); // the exact words, as data
  });

  it('POST /api/ask: sentences with citation numbers, and the cited passages', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/ask',
      payload: { question: 'How many educational psychologists did we recruit?' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.answer.length).toBeGreaterThan(0);
    expect(body.answer.some((a: { text: string }) => a.text.includes('eight more educational psychologists'))).toBe(
      true,
    );
    for (const a of body.answer)
      for (const n of a.cites) expect(body.citations.find((c: { n: number }) => c.n === n)).toBeDefined();
    const filtered = (
      await app.inject({
        method: 'POST',
        url: '/api/ask',
        payload: { question: 'apprenticeships', filters: { kind: 'strategy' } },
      })
    ).json();
    expect(filtered.citations.every((c: { kind: string }) => c.kind === 'strategy')).toBe(true);
  });

  it('GET /api/documents (paged, filterable) and /api/documents/:id (text and passages with offsets)', async () => {
    const page = (await app.inject({ url: '/api/documents?limit=5&offset=0' })).json();
    expect(page).toMatchObject({ total: 13, limit: 5, offset: 0 });
    expect(page.documents).toHaveLength(5);
    const bulletins = (await app.inject({ url: '/api/documents?kind=bulletin&from=2024-06-01' })).json();
    expect(
      bulletins.documents.every(
        (d: { kind: string; published_at: string }) => d.kind === 'bulletin' && d.published_at >= '2024-06-01',
      ),
    ).toBe(true);
    const email = (await app.inject({ url: '/api/documents?kind=bulletin&limit=200' }))
      .json()
      .documents.find((d: { title: string }) => d.title === '5 March 2024 weekly update');
    const full = (await app.inject({ url: `/api/documents/${email.id}` })).json();
    expect(full.attachments.map((a: { title: string }) => a.title)).toEqual([
      'Skills and Apprenticeships Strategy 2024 to 2027',
    ]);
    for (const p of full.passages) expect(full.text.slice(p.start, p.end)).toBe(p.text);
    const child = (await app.inject({ url: `/api/documents/${full.attachments[0].id}` })).json();
    expect(child.parent.id).toBe(email.id);
  });

  it('GET /api/documents/:id/raw serves the original file', async () => {
    const pdf = (await app.inject({ url: '/api/documents?kind=strategy' }))
      .json()
      .documents.find((d: { mime: string }) => d.mime === 'application/pdf');
    const raw = await app.inject({ url: `/api/documents/${pdf.id}/raw` });
    expect(raw.statusCode).toBe(200);
    expect(raw.headers['content-type']).toBe('application/pdf');
    expect(raw.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await app.inject({ url: '/api/documents/99999/raw' })).statusCode).toBe(404);
  });

  it('GET /api/health and /api/stats name the embedder and count what is stored', async () => {
    const health = (await app.inject({ url: '/api/health' })).json();
    expect(health).toMatchObject({
      status: 'ok',
      embedder: { builtin: true },
      counts: { documents: 13 },
      writes: 'token',
    });
    expect(health.counts.vectors).toBe(health.counts.passages);
    const stats = (await app.inject({ url: '/api/stats' })).json();
    expect(stats).toMatchObject({ documents: 13, by_kind: { strategy: 2 }, embedder: { builtin: true } });
  });

  it('OpenAPI at /docs/json and the docs page at /docs', async () => {
    const spec = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/search',
        '/api/ask',
        '/api/documents',
        '/api/documents/{id}',
        '/api/documents/{id}/raw',
        '/api/health',
        '/api/stats',
      ]),
    );
    expect(spec.paths['/api/search'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['q', 'k', 'mode', 'from', 'to', 'kind', 'document']),
    );
    const page = await app.inject({ url: '/docs' });
    expect([200, 302]).toContain(page.statusCode);
  });

  describe('errors and limits', () => {
    const error = async (opts: InjectOptions, status: number, code: string) => {
      const res = await app.inject(opts);
      expect(res.statusCode).toBe(status);
      const body = res.json();
      expect(body.error).toMatchObject({ code, message: expect.any(String), hint: expect.any(String) });
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|node_modules/);
      return body.error;
    };

    it('400 for an empty query, a bad k, a bad mode, a bad date, a query over the length limit', async () => {
      await error({ url: '/api/search?q=' }, 400, 'INVALID_REQUEST');
      await error({ url: '/api/search' }, 400, 'INVALID_REQUEST');
      await error({ url: '/api/search?q=a&k=0' }, 400, 'INVALID_REQUEST');
      const k = await error({ url: '/api/search?q=a&k=21' }, 400, 'INVALID_REQUEST');
      expect(k.message).toContain('k');
      await error({ url: '/api/search?q=a&mode=magic' }, 400, 'INVALID_REQUEST');
      await error({ url: '/api/search?q=a&from=10-03-2015' }, 400, 'INVALID_REQUEST');
      await error({ url: `/api/search?q=${'a'.repeat(201)}` }, 400, 'QUERY_TOO_LONG');
      expect((await app.inject({ url: `/api/search?q=${'a'.repeat(200)}` })).statusCode).toBe(200);
      await error({ method: 'POST', url: '/api/ask', payload: { question: '' } }, 400, 'INVALID_REQUEST');
      await error(
        { method: 'POST', url: '/api/ask', headers: { 'content-type': 'application/json' }, payload: '{not json' },
        400,
        'INVALID_REQUEST',
      );
    });

    it('404 for unknown documents and routes', async () => {
      await error({ url: '/api/documents/424242' }, 404, 'DOCUMENT_NOT_FOUND');
      await error({ url: '/api/nothing-here' }, 404, 'NOT_FOUND');
    });

    it('413 for a body over the limit; 415 for a body of the wrong type', async () => {
      await error({ method: 'POST', url: '/api/ask', payload: { question: 'x'.repeat(3000) } }, 413, 'BODY_TOO_LARGE');
      await error(
        { method: 'POST', url: '/api/ask', headers: { 'content-type': 'text/csv' }, payload: 'a,b' },
        415,
        'UNSUPPORTED_MEDIA',
      );
      await error(
        {
          method: 'POST',
          url: '/api/documents',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          payload: '{}',
        },
        415,
        'UNSUPPORTED_MEDIA',
      );
    });

    it('write routes: 401 without the token, 403 with a wrong one', async () => {
      await error({ method: 'DELETE', url: '/api/documents/1' }, 401, 'UNAUTHORIZED');
      await error(
        { method: 'DELETE', url: '/api/documents/1', headers: { authorization: 'Bearer wrong-token-wrong-token' } },
        403,
        'FORBIDDEN',
      );
      await error(
        { method: 'POST', url: '/api/documents', ...multipart([{ name: 'a.txt', content: 'x' }]) },
        401,
        'UNAUTHORIZED',
      );
      await error(
        { method: 'DELETE', url: '/api/documents/1', headers: { authorization: 'Basic abc' } },
        401,
        'UNAUTHORIZED',
      );
    });
  });

  describe('uploads and deletes', () => {
    const auth = { authorization: `Bearer ${TOKEN}` };

    it('uploads files and finds them; the same upload again is unchanged; bad files fail alone', async () => {
      const pdf = await makePdf({
        title: 'Playground safety note',
        sections: [
          {
            heading: 'Trampolines',
            paragraphs: [
              'Trampolines in school playgrounds must be inspected every term by the site team, with records ' +
                'kept for the insurer.',
            ],
          },
        ],
      });
      const form = multipart([
        {
          name: 'note.txt',
          content:
            'Minibus drivers\n\nEvery minibus driver needs a refresher course on passenger safety every three ' +
            'years, booked through the transport team.',
        },
        { name: 'playground.pdf', content: pdf },
        { name: 'empty.txt', content: '' },
      ]);
      const res = await app.inject({
        method: 'POST',
        url: '/api/documents',
        headers: { ...auth, ...form.headers },
        payload: form.payload,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.results.map((r: { status: string; file: string }) => [r.file, r.status])).toEqual([
        ['note.txt', 'added'],
        ['playground.pdf', 'added'],
        ['empty.txt', 'failed'],
      ]);
      expect(body.results[2].error).toMatchObject({
        code: 'FILE_EMPTY',
        message: expect.stringContaining('empty.txt'),
      });
      expect(body.summary).toMatchObject({ added: 2, failed: 1 });
      const found = (await app.inject({ url: '/api/search?q=trampolines+inspected' })).json();
      expect(found.results[0].citation).toMatchObject({ title: 'Playground safety note', page: 1 });

      const again = await app.inject({
        method: 'POST',
        url: '/api/documents',
        headers: { ...auth, ...form.headers },
        payload: form.payload,
      });
      expect(
        again
          .json()
          .results.slice(0, 2)
          .map((r: { status: string }) => r.status),
      ).toEqual(['unchanged', 'unchanged']);
    });

    it('a named upload (source_id) replaces its earlier version', async () => {
      const v1 = multipart(
        [
          {
            name: 'rota.txt',
            content:
              'Cover rota\n\nThe cover rota for the spring term lists Mrs Okafor for Mondays and Mr Lind for ' +
              'Fridays in the library.',
          },
        ],
        { source_id: 'cover-rota' },
      );
      const first = (
        await app.inject({
          method: 'POST',
          url: '/api/documents',
          headers: { ...auth, ...v1.headers },
          payload: v1.payload,
        })
      ).json();
      const v2 = multipart(
        [
          {
            name: 'rota.txt',
            content:
              'Cover rota\n\nThe cover rota for the summer term lists Mr Lind for Mondays and Ms Varga for ' +
              'Fridays in the library.',
          },
        ],
        { source_id: 'cover-rota' },
      );
      const second = (
        await app.inject({
          method: 'POST',
          url: '/api/documents',
          headers: { ...auth, ...v2.headers },
          payload: v2.payload,
        })
      ).json();
      expect(second.results[0]).toMatchObject({
        status: 'updated',
        document_id: first.results[0].document_id,
        source_id: 'upload:cover-rota',
      });
      const hits = (await app.inject({ url: '/api/search?q=Okafor&mode=lexical' })).json();
      expect(hits.results).toHaveLength(0);
    });

    it('422 when nothing in the upload could be stored; 413 for a file over the size limit', async () => {
      const scan = await makePdf({ title: 'Scan', sections: [], imageOnly: true });
      const form = multipart([{ name: 'scan.pdf', content: scan }]);
      const res = await app.inject({
        method: 'POST',
        url: '/api/documents',
        headers: { ...auth, ...form.headers },
        payload: form.payload,
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'NO_TEXT_FOUND',
        message: expect.stringContaining('scan.pdf: no text layer, and recognition (OCR) found no text'),
      });
      const big = multipart([{ name: 'big.txt', content: 'word '.repeat(20_000) }]);
      const tooBig = await app.inject({
        method: 'POST',
        url: '/api/documents',
        headers: { ...auth, ...big.headers },
        payload: big.payload,
      });
      expect(tooBig.statusCode).toBe(413);
      expect(tooBig.json().error.code).toBe('FILE_TOO_LARGE');
      const none = multipart([]);
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/api/documents',
            headers: { ...auth, ...none.headers },
            payload: none.payload,
          })
        ).statusCode,
      ).toBe(400);
    });

    it('DELETE removes a document; its passages are never returned again', async () => {
      const form = multipart([
        {
          name: 'gone.txt',
          content:
            'Heron pond\n\nThe heron pond behind the county hall will be drained for repairs in the autumn half term.',
        },
      ]);
      const added = (
        await app.inject({
          method: 'POST',
          url: '/api/documents',
          headers: { ...auth, ...form.headers },
          payload: form.payload,
        })
      ).json().results[0];
      expect((await app.inject({ url: '/api/search?q=heron+pond' })).json().results[0].citation.document_id).toBe(
        added.document_id,
      );
      const del = await app.inject({ method: 'DELETE', url: `/api/documents/${added.document_id}`, headers: auth });
      expect(del.json()).toEqual({ deleted: [{ document_id: added.document_id, title: 'Heron pond' }] });
      for (const mode of ['lexical', 'semantic', 'hybrid']) {
        const res = (await app.inject({ url: `/api/search?q=heron+pond&mode=${mode}&k=20` })).json();
        expect(
          res.results.every((r: { citation: { document_id: number } }) => r.citation.document_id !== added.document_id),
        ).toBe(true);
      }
      expect(
        (await app.inject({ method: 'DELETE', url: `/api/documents/${added.document_id}`, headers: auth })).statusCode,
      ).toBe(404);
    });
  });
});

describe('limits on the service itself', () => {
  it('429 past the rate limit, with the coded error', async () => {
    const { kb } = await openKb({ rateLimitReads: 3 }, [path.join(SAMPLES, '2024-01-09-weekly-update.txt')]);
    const app = await buildApp({ config: kb.config, kb, log: silentLogger });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await app.inject({ url: '/api/search?q=attendance' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const res = await app.inject({ url: '/api/search?q=attendance' });
    expect(res.json().error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('3 per minute') });
    await app.close();
    await kb.close();
  });

  it('422 for an upload over the parse time limit', async () => {
    const { kb } = await openKb({ parseTimeoutMs: 100 }, []);
    const app = await buildApp({ config: kb.config, kb, log: silentLogger });
    const pdf = await makePdf({
      title: 'Slow',
      sections: [{ paragraphs: ['Parsing this takes longer than a tenth of a second, with the worker starting.'] }],
      blankPages: 3,
    });
    const form = multipart([{ name: 'slow.pdf', content: pdf }]);
    const res = await app.inject({
      method: 'POST',
      url: '/api/documents',
      headers: { ...form.headers, 'x-requested-with': 'test' },
      payload: form.payload,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'PARSE_TIMEOUT',
      message: expect.stringContaining('slow.pdf: parsing took longer than 100 ms'),
    });
    expect(kb.store.stats().documents).toBe(0);
    await app.close();
    await kb.close();
  });

  it('500 hides the details of an internal failure', async () => {
    const { kb } = await openKb({}, [path.join(SAMPLES, '2024-01-09-weekly-update.txt')]);
    const app = await buildApp({ config: kb.config, kb, log: silentLogger });
    kb.store.close(); // the database is gone from under the service
    const res = await app.inject({ url: '/api/stats' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal error', hint: expect.any(String) } });
    await app.close();
  });

  it('a real server on a free port answers, refuses a public address without a token, shuts down cleanly', async () => {
    const { kb, config } = await openKb({ port: 0 }, [path.join(SAMPLES, '2024-09-10-weekly-update.txt')]);
    await expect(serve(kb, { ...config, host: '0.0.0.0' }, silentLogger)).rejects.toMatchObject({
      code: 'WRITES_NEED_TOKEN',
    });
    const running = await serve(kb, config, silentLogger);
    const res = await fetch(`${running.url}api/search?q=teacher+recruitment`);
    expect(res.status).toBe(200);
    expect((await res.json()).results[0].citation.date).toBe('2024-09-10');
    const bare = await fetch(`${running.url}api/documents/1`, { method: 'DELETE' });
    expect(bare.status).toBe(403); // no token configured: a write needs a header no cross-site form can send
    expect((await bare.json()).error.code).toBe('WRITE_NEEDS_HEADER');
    const del = await fetch(`${running.url}api/documents/1`, {
      method: 'DELETE',
      headers: { 'x-requested-with': 'test' },
    });
    expect(del.status).toBe(200); // …and is open to this machine only
    await running.close();
    expect(kb.store.isOpen).toBe(false);
    expect(fs.existsSync(path.join(config.dataDir, 'vectors.json'))).toBe(true);
  });
});
