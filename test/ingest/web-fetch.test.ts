import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBounded, type FetchLimits } from '../../ingest/web/fetch.js';
import { classify, feedLinks, isListing, pageLinks, sitemapLinks } from '../../ingest/web/links.js';
import { isKbError } from '../../src/errors.js';
import { openKb, query } from '../helpers.js';

/** A site that misbehaves in every way a real one can, on loopback. */
let origin = '';
let closedOrigin = '';
const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const html = (body: string) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!DOCTYPE html><html><head><title>T</title></head><body><main>${body}</main></body></html>`);
  };
  switch (path) {
    case '/robots.txt':
      return res.writeHead(404).end();
    case '/loop-a':
      return res.writeHead(302, { location: '/loop-b' }).end();
    case '/loop-b':
      return res.writeHead(301, { location: '/loop-a' }).end();
    case '/chain':
      return res.writeHead(302, { location: `/chain-${Number(req.headers['x-n'] ?? 0)}-1` }).end();
    case '/away':
      return res.writeHead(302, { location: 'http://elsewhere.example/page' }).end();
    case '/moved':
      return res.writeHead(301, { location: '/good' }).end();
    case '/good':
      return html('<h1>Attendance</h1><p>School attendance rose this term across the county.</p>');
    case '/picture':
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(Buffer.from('\x89PNG\r\n\x1a\n0000', 'latin1'));
    case '/slow':
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html><body>');
      return; // never ends
    case '/huge':
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(10_000_000) });
      return res.end('<html>');
    case '/endless':
      res.writeHead(200, { 'content-type': 'text/html' });
      for (let i = 0; i < 200; i++) res.write('<p>' + 'x'.repeat(1000) + '</p>');
      return res.end();
    case '/gone':
      return res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    default:
      if (path.startsWith('/chain-')) return res.writeHead(302, { location: `${path}-1` }).end();
      return res.writeHead(404).end();
  }
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port with nothing listening: found by listening once, then closing.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedOrigin = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((r) => probe.close(() => r()));
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const limits = (over: Partial<FetchLimits> = {}): FetchLimits => ({
  timeoutMs: 1_000,
  maxBytes: 50_000,
  maxRedirects: 5,
  userAgent: 'council-kb/test',
  allowHost: (host) => host.startsWith('127.0.0.1'),
  ...over,
});
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err) => (isKbError(err) ? { code: err.code, message: err.message } : String(err)),
  );

describe('fetching one address, bounded', () => {
  it('follows a redirect on the same site and names the address it ended at', async () => {
    const res = await fetchBounded(`${origin}/moved`, limits());
    expect(res).toMatchObject({ status: 'fetched', url: `${origin}/good`, contentType: 'text/html' });
  });

  it.each([
    ['/loop-a', 'WEB_REDIRECTS', /redirect loop/],
    ['/chain', 'WEB_REDIRECTS', /more than 5 redirects/],
    ['/away', 'WEB_OFF_SITE', /elsewhere\.example/],
    ['/slow', 'WEB_TIMEOUT', /within 1000 ms/],
    ['/huge', 'WEB_TOO_LARGE', /more than 50000 bytes/],
    ['/endless', 'WEB_TOO_LARGE', /more than 50000 bytes/],
    ['/gone', 'WEB_HTTP_ERROR', /answered 404/],
  ])('%s fails with %s, naming the address', async (path, code, message) => {
    const err = await codeOf(fetchBounded(`${origin}${path}`, limits()));
    expect(err).toMatchObject({ code, message: expect.stringMatching(message) });
    expect((err as { message: string }).message).toContain(path.slice(0, 5));
  });

  it('a host that does not answer is WEB_UNREACHABLE', async () => {
    expect(await codeOf(fetchBounded(`${closedOrigin}/`, limits()))).toMatchObject({
      code: 'WEB_UNREACHABLE',
      message: expect.stringMatching(/connection refused/),
    });
  });
});

describe('what an address is, and where it leads (pure)', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('classifies pages, sitemaps, feeds and files by type, name and content; refuses the rest', () => {
    expect(classify('text/html', 'https://a.example/x', bytes('<html>'))).toEqual({ kind: 'page' });
    expect(classify('text/xml', 'https://a.example/s', bytes('<?xml version="1.0"?><urlset/>'))).toEqual({
      kind: 'sitemap',
    });
    expect(classify('application/atom+xml', 'https://a.example/f', bytes('<feed xmlns="x"/>'))).toEqual({
      kind: 'feed',
    });
    expect(classify('application/octet-stream', 'https://a.example/a.pdf', bytes('%PDF-1.7'))).toEqual({
      kind: 'file',
      ext: '.pdf',
    });
    expect(() => classify('image/png', 'https://a.example/p.png', bytes('\x89PNG'))).toThrow(/served as image\/png/);
    expect(() => classify('application/xml', 'https://a.example/d', bytes('<?xml version="1.0"?><data/>'))).toThrow(
      /neither a sitemap nor a feed/,
    );
  });

  it('takes links from the main content only: files, unread files and pages; a listing is mostly links', () => {
    const html = `<html><head><link rel="canonical" href="/bulletins/one"></head><body>
      <header><a href="/privacy.pdf">Privacy</a></header>
      <main><p>Read <a href="/docs/plan.pdf#page=2">the plan</a>, <a href="/docs/figures.xlsx">the figures</a> and
      <a href="/bulletins/two">last week's bulletin</a>, or <a href="mailto:x@y.example">write to us</a>.</p></main>
      <footer><a href="/contact">Contact</a></footer></body></html>`;
    const links = pageLinks(html, 'https://a.example/bulletins/one?utm=x');
    expect(links).toMatchObject({
      canonical: 'https://a.example/bulletins/one',
      files: ['https://a.example/docs/plan.pdf'],
      unread: ['https://a.example/docs/figures.xlsx'],
      pages: ['https://a.example/bulletins/two'],
    });
    expect(isListing(links)).toBe(false);
    const list = pageLinks(
      `<main><ul>${[1, 2, 3, 4].map((n) => `<li><a href="/b/${n}">Bulletin ${n}</a></li>`).join('')}</ul></main>`,
      'https://a.example/b',
    );
    expect(isListing(list)).toBe(true);
    // A page nested thousands deep, a link at every level: every link found in one walk, in document order.
    const deep = `<main>${Array.from({ length: 3000 }, (_, i) => `<div><a href="/p/${i}">p ${i}</a>`).join('')}</main>`;
    const found = pageLinks(deep, 'https://a.example/');
    expect(found.pages).toHaveLength(3000);
    expect(found.pages.slice(0, 2)).toEqual(['https://a.example/p/0', 'https://a.example/p/1']);
    expect(found.linkShare).toBe(1);
    // A canonical address on another site is not the page's identity.
    expect(pageLinks('<link rel="canonical" href="https://evil.example/x">', 'https://a.example/').canonical).toBe(
      null,
    );
  });

  it('reads sitemaps, sitemap indexes, RSS and Atom; refuses XML with entity declarations', () => {
    expect(
      sitemapLinks(
        '<urlset><url><loc>https://a.example/1</loc></url><url><loc>/2</loc></url></urlset>',
        'https://a.example/s',
      ),
    ).toEqual({
      pages: [
        { url: 'https://a.example/1', date: null },
        { url: 'https://a.example/2', date: null },
      ],
      sitemaps: [],
    });
    expect(
      sitemapLinks(
        '<sitemapindex><sitemap><loc>https://a.example/s1.xml</loc></sitemap></sitemapindex>',
        'https://a.example/',
      ).sitemaps,
    ).toEqual(['https://a.example/s1.xml']);
    expect(
      feedLinks(
        '<rss><channel><item><link>https://a.example/n1</link>' +
          '<pubDate>Tue, 05 Mar 2024 09:00:00 GMT</pubDate></item></channel></rss>',
        'https://a.example/',
      ),
    ).toEqual([{ url: 'https://a.example/n1', date: '2024-03-05' }]);
    expect(
      feedLinks(
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/n2"/>' +
          '<published>2024-04-16T10:00:00Z</published></entry></feed>',
        'https://a.example/',
      ),
    ).toEqual([{ url: 'https://a.example/n2', date: '2024-04-16' }]);
    expect(() => sitemapLinks('<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset/>', 'https://a.example/')).toThrow(/entities/);
  });
});

describe('kb ingest of addresses that fail', () => {
  it('each fails alone with its coded error; a good one among them is stored; nothing stored changes', async () => {
    const kb = await openKb({ webDelayMs: 0, embedder: 'builtin', webRequestTimeoutMs: 1000, maxFileBytes: 50_000 });
    try {
      await kb.ingest([`${origin}/good`]);
      const before = query(kb.config.dataDir, 'SELECT id, sha256 FROM documents');
      const paths = ['/loop-a', '/picture', '/slow', '/huge', '/gone', '/good'];
      const { results } = await kb.ingest([...paths.map((p) => `${origin}${p}`), `${closedOrigin}/x`, 'https://']);
      const codes = Object.fromEntries(
        results.map((r) => [r.source_id.replace(origin, ''), r.error?.code ?? r.status]),
      );
      expect(codes).toEqual({
        '/loop-a': 'WEB_REDIRECTS',
        '/picture': 'WEB_UNSUPPORTED',
        '/slow': 'WEB_TIMEOUT',
        '/huge': 'WEB_TOO_LARGE',
        '/gone': 'WEB_HTTP_ERROR',
        '/good': 'unchanged',
        [`${closedOrigin}/x`]: 'WEB_UNREACHABLE',
        'https://': 'WEB_BAD_URL',
      });
      expect(query(kb.config.dataDir, 'SELECT id, sha256 FROM documents')).toEqual(before);
    } finally {
      await kb.close();
    }
  });
});
