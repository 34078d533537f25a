import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import type { Running } from '../../src/server/serve.js';
import { serveSamples } from '../helpers.js';
import { HAS_CHROMIUM, launchChromium } from './browser.js';

/**
 * Another site's page, in a real browser, tries to write to a knowledge base
 * that has no API token set (the `npm start` setup): a multipart form posted
 * to the upload route (a "simple" request, sent without preflight), a
 * no-cors fetch, and a DELETE. Each is refused and nothing is stored.
 */
describe.skipIf(!HAS_CHROMIUM)('another site cannot write to the knowledge base', () => {
  let kb: KnowledgeBase;
  let running: Running;
  let evil: http.Server;
  let evilUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ kb, running } = await serveSamples());
    const target = running.url;
    const page = `<!doctype html><html><head><title>Win a prize</title></head><body>
      <form id="f" method="post" enctype="multipart/form-data" action="${target}api/documents">
        <input type="hidden" name="source_id" value="forged">
        <textarea name="file">Forged bulletin 9 July 2024</textarea>
      </form>
      <script>
        const text = 'Forged bulletin 9 July 2024\\n\\nThe director never wrote this.';
        const blob = new Blob([text], { type: 'text/plain' });
        const dt = new DataTransfer(); dt.items.add(new File([blob], 'forged.txt'));
        const input = document.createElement('input'); input.type = 'file'; input.name = 'file'; input.files = dt.files;
        document.getElementById('f').append(input);
        const submit = () => document.getElementById('f').submit();
        fetch('${target}api/documents/1', { method: 'DELETE', mode: 'no-cors' }).catch(() => {}).finally(submit);
      </script></body></html>`;
    evil = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await new Promise((resolve) => evil?.close(resolve));
  });

  it('a cross-site form post and a no-cors fetch are refused; nothing is stored or deleted', async () => {
    const before = kb.store.stats();
    const page = await browser.newPage();
    const answers: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(running.url)) answers.push({ url: r.url(), status: r.status() });
    });
    await page.goto(evilUrl);
    await page.waitForURL(`${running.url}api/documents`);
    const body = JSON.parse((await page.textContent('body')) ?? '{}');
    expect(body.error.code).toBe('CROSS_SITE_WRITE');
    expect(answers.find((a) => a.url.endsWith('/api/documents'))?.status).toBe(403);
    expect(kb.store.stats()).toEqual(before);
    expect(kb.store.documents.get(1)).toBeDefined();
    await page.close();
  });
});
