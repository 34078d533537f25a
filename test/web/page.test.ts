import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { serve, type Running } from '../../src/server/serve.js';
import { Pipeline } from '../../ingest/pipeline.js';
import { ROOT, SAMPLES, tempDir } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAS_CHROMIUM)
  process.stderr.write(
    `note: ${CHROMIUM} is not installed: the browser tests are skipped (apt-get install -y chromium)\n`,
  );

const TOKEN = 'browser-test-token-0123456789';
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
/** Classic injection payloads (OWASP's filter-evasion list and friends), each setting window.__xss if it ever runs. */
const CLASSIC_XSS = [
  '"><script>window.__xss=5</script>',
  "'><img src=x onerror=window.__xss=6>",
  '<body onload=window.__xss=7>',
  '<iframe src="javascript:window.__xss=8"></iframe>',
  '<svg><script>window.__xss=9</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=10>',
  '<a href="jav&#x09;ascript:window.__xss=11">x</a>',
  '<details open ontoggle=window.__xss=12>',
  '<input autofocus onfocus=window.__xss=13>',
  '</mark><script>window.__xss=14</script><mark>',
  '<mark onmouseover=window.__xss=15>hover</mark>',
  "{{constructor.constructor('window.__xss=16')()}}",
  '<style>@import "http://127.0.0.1:9/x.css";</style>',
  '<object data="javascript:window.__xss=17">',
  '<embed src="data:text/html,<script>parent.__xss=18</script>">',
  '<form action="javascript:window.__xss=19"><button>go</button></form>',
  '<video><source onerror="window.__xss=20">',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=21">',
];
const XSS = [
  'Online safety reminder',
  'Staff should report messages containing <script>window.__xss = 1</script> or <img src=x onerror="window.__xss ' +
    '= 2"> or <svg onload="window.__xss = 3"> to the online safety team, and a link like <a ' +
    'href="javascript:window.__xss=4">this</a> must never be clicked.',
  `Online safety examples of hostile markup: ${CLASSIC_XSS.join(' ')}`,
].join('\n\n');

// In CI the browser is installed by .ci/run: its absence there is a failure, not a skip.
it.runIf(!HAS_CHROMIUM && process.env.CI === 'true')('Chromium is installed for the browser tests in CI', () => {
  expect(fs.existsSync(CHROMIUM)).toBe(true);
});

describe.skipIf(!HAS_CHROMIUM)('the search page in a real browser', () => {
  let kb: KnowledgeBase;
  let running: Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    const config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent', port: 0, apiToken: TOKEN });
    kb = await KnowledgeBase.open(config, silentLogger);
    const pipeline = new Pipeline({ store: kb.store, config, log: silentLogger });
    for await (const _ of pipeline.ingestPaths([SAMPLES])) void _;
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'online-safety.txt'), XSS);
    await pipeline.ingestFile(path.join(dir, 'online-safety.txt'));
    await kb.refresh();
    running = await serve(kb, config, silentLogger);
    base = running.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({
      permissions: ['clipboard-read', 'clipboard-write'],
      viewport: { width: 1100, height: 1000 },
    });
    page = await context.newPage();
    page.on('pageerror', (err) => {
      throw err;
    });
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  const axe = async () => {
    const result = await new AxeBuilder({ page }).analyze();
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  };

  it('shows the offline notice and the embedder, and has no accessibility violations before a search', async () => {
    await page.goto(base);
    await expect.poll(() => page.textContent('#embedder-name')).toContain('built-in (offline)');
    expect(await page.isVisible('#builtin-notice')).toBe(true);
    expect(await page.textContent('#status')).toContain('Type what you are looking for');
    expect(await axe()).toEqual([]);
  });

  it('keyboard only: search for apprenticeships, read cited results, copy a quote with its citation', async () => {
    await page.goto(base);
    const tabTo = async (matches: string, most = 40) => {
      for (let i = 0; i < most; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, matches)) return;
      }
      throw new Error(`could not reach ${matches} with the Tab key`);
    };
    await tabTo('#q');
    await page.keyboard.type('what did we say about apprenticeships');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.kb-result');
    expect(page.url()).toContain('q=what+did+we+say+about+apprenticeships');
    expect(await page.textContent('#status')).toMatch(/\d+ passages? found in \d+ ms/);
    const first = page.locator('.kb-result').first();
    expect(await first.locator('mark').count()).toBeGreaterThan(0);
    expect(await first.locator('.kb-citation').textContent()).toMatch(/weekly update|Strategy/);
    await tabTo('.kb-result button');
    expect(
      await page.evaluate(() => document.activeElement?.closest('.kb-result') === document.querySelector('.kb-result')),
    ).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#status')).toContain('Quote copied');
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    const api = (await (
      await fetch(`${base}api/search?q=${encodeURIComponent('what did we say about apprenticeships')}&k=20`)
    ).json()) as { results: { text: string; citation: { title: string; date: string; page: number | null } }[] };
    const top = api.results[0]!;
    // The sentences that matched, then the citation once (the title carries the date of a bulletin).
    const [, words, citation] = /^“(.+)” \((.+)\)$/s.exec(clipboard) ?? [];
    for (const part of words!.split(' … ').map((p) => p.replace(/^… | …$/g, '')))
      expect(top.text.replace(/\s+/g, ' ')).toContain(part);
    expect(citation!.startsWith(top.citation.title)).toBe(true);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'results.png'), fullPage: true });
    expect(await axe()).toEqual([]);
  });

  it('opens the document view at the cited passage, highlighted and focused', async () => {
    await page.goto(`${base}?q=${encodeURIComponent('educational psychologists')}`);
    await page.waitForSelector('.kb-result');
    await page.locator('.kb-result a', { hasText: 'Open in document' }).first().click();
    await page.waitForSelector('.kb-passage--target');
    const target = page.locator('.kb-passage--target');
    expect(await target.textContent()).toContain('educational psychologists');
    expect(await target.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await target.isVisible()).toBe(true);
    expect(await page.textContent('#doc-title')).toBe('16 April 2024 weekly update');
    expect(await axe()).toEqual([]);
    await page.click('#back-link');
    await page.waitForSelector('.kb-result');
  });

  it('a PDF in the document view shows its pages, each linked to the original at that page', async () => {
    await page.goto(`${base}?q=${encodeURIComponent('SEND partnership board governance')}&kind=strategy`);
    await page.waitForSelector('.kb-result');
    await page.locator('.kb-result a', { hasText: 'Open in document' }).first().click();
    await page.waitForSelector('.kb-page');
    const pageLinks = await page.locator('.kb-page a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(pageLinks.length).toBeGreaterThan(1);
    expect(pageLinks[0]).toMatch(/\/api\/documents\/\d+\/raw#page=1$/);
  });

  it('date filters through the form and through the URL', async () => {
    await page.goto(base);
    await page.fill('#q', 'apprenticeships');
    await page.click('#filters summary');
    await page.fill('#from', '2024-03-01');
    await page.fill('#to', '2024-12-31');
    await page.click('button.kb-search-button');
    await page.waitForSelector('.kb-result');
    await expect.poll(() => page.url()).toContain('from=2024-03-01');
    expect(page.url()).toContain('to=2024-12-31');
    const dates = await page.locator('.kb-citation').allTextContents();
    expect(dates.length).toBeGreaterThan(0);
    const MONTHS = [
      'January',
      'February',
      'March',
      'April',
      'May',
      'June',
      'July',
      'August',
      'September',
      'October',
      'November',
      'December',
    ];
    for (const d of dates) {
      const [, day, month, year] = / — (\d{1,2}) ([A-Z][a-z]+) (\d{4})/.exec(d)!;
      const iso = `${year}-${String(MONTHS.indexOf(month!) + 1).padStart(2, '0')}-${day!.padStart(2, '0')}`;
      expect(iso >= '2024-03-01' && iso <= '2024-12-31').toBe(true);
    }

    await page.goto(`${base}?q=apprenticeships&kind=bulletin&from=2025-01-01`);
    await page.waitForSelector('.kb-result');
    expect(await page.inputValue('#from')).toBe('2025-01-01');
    expect(await page.inputValue('#kind')).toBe('bulletin');
    for (const d of await page.locator('.kb-citation').allTextContents()) expect(d).toContain(' — 14 January 2025');
    await page.goto(`${base}?q=zebra+crossings+on+mars`);
    await expect.poll(() => page.textContent('#status')).toContain('No passages found');
  });

  it('says what it corrected, searches as typed on request, links to the rest of a capped document', async () => {
    await page.goto(base);
    expect(await page.textContent('#q-hint')).toMatch(/"quotes" for an exact\s+phrase, -word to leave a word out, OR/);
    await page.goto(`${base}?q=apprenticships`);
    await page.waitForSelector('.kb-result');
    const note = page.locator('#corrected');
    expect(await note.textContent()).toContain('Showing results for apprenticeships');
    expect(await page.locator('.kb-result mark').first().textContent()).toMatch(/^[Aa]pprenticeship/);
    await page.click('#search-as-typed');
    await expect.poll(() => page.url()).toContain('as_typed=1');
    await expect.poll(() => page.textContent('#status')).toContain('No passages found');
    expect(await page.isVisible('#corrected')).toBe(false);
    // Typing a word that is not finished completes it, and says how.
    await page.goto(base);
    await page.fill('#q', 'apprent');
    await page.press('#q', 'Enter');
    await page.waitForSelector('.kb-result');
    expect(await page.textContent('#corrected')).toMatch(/Including words that start with “apprent”: apprenticeship/);
    // One passage per document: the capped documents link to the rest of their passages.
    await page.goto(`${base}?q=apprenticeships`);
    await page.waitForSelector('.kb-result');
    const more = page.locator('.kb-more a').first();
    const label = (await more.textContent())!;
    const count = Number(/^(\d+) more passages? from this document/.exec(label)![1]);
    await more.click();
    await expect.poll(() => page.url()).toMatch(/document=\d+/);
    await page.waitForSelector('#one-document');
    const titles = new Set(
      (await page.locator('.kb-result .kb-citation').allTextContents()).map((t) => t.split(' — ')[0]),
    );
    expect(titles.size).toBe(1);
    expect(await page.locator('.kb-result').count()).toBeGreaterThanOrEqual(Math.min(3, count + 1));
    expect(await axe()).toEqual([]);
  });

  it('ask mode gives an answer with numbered citations linked to their sources', async () => {
    await page.goto(`${base}?q=${encodeURIComponent('how many new specialist places from September')}&mode=ask`);
    await page.waitForSelector('.kb-answer');
    expect(await page.textContent('.kb-answer')).toContain('240 new places');
    const href = await page.locator('.kb-cite').first().getAttribute('href');
    expect(href).toBe('#cite-1');
    expect(await page.locator('#cite-1 a').getAttribute('href')).toMatch(/^\/documents\/\d+\?passage=\d+#passage-\d+$/);
  });

  it('uploads a file with the token, reports it, and finds it', async () => {
    await page.goto(base);
    await page.click('#upload-panel summary');
    await page.fill('#token', TOKEN);
    await page.setInputFiles('#files', {
      name: 'swimming.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(
        'Swimming lessons\n\nEvery primary pupil should be able to swim 25 metres by the end of Year 6; the pool ' +
          'at Kingsmead reopens for school lessons in May.',
      ),
    });
    await page.click('#upload-button');
    await expect.poll(() => page.textContent('#upload-status')).toContain('1 added');
    expect(await page.textContent('#upload-results')).toContain('swimming.txt: added as “Swimming lessons”');
    await page.fill('#q', 'swim 25 metres');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.kb-result');
    expect(await page.locator('.kb-citation').first().textContent()).toContain('Swimming lessons');

    await page.fill('#token', 'wrong-token-wrong-token');
    await page.setInputFiles('#files', {
      name: 'x.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Anything at all, long enough to be a document.'),
    });
    await page.click('#upload-button');
    await expect.poll(() => page.textContent('#upload-status')).toContain('The API token is wrong');
  });

  it('an ingested script or event handler never runs, in results or in the document view', async () => {
    await page.goto(`${base}?q=${encodeURIComponent('online safety script onerror')}`);
    await page.waitForSelector('.kb-result');
    expect(await page.locator('.kb-results script, .kb-results img, .kb-results svg').count()).toBe(0);
    expect(await page.locator('.kb-snippet').first().textContent()).toContain('<script>');
    await page.locator('.kb-result a', { hasText: 'Open in document' }).first().click();
    await page.waitForSelector('.kb-passage--target');
    expect(await page.locator('#doc-text script, #doc-text img, #doc-text svg, #doc-text a').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('the classic payloads stay text in results, the timeline, related lists and the document view', async () => {
    const injected = [
      'script',
      'img',
      'iframe',
      'object',
      'embed',
      'input',
      'form',
      'details',
      'video',
      'style',
      'meta',
      'math',
      'svg',
      'body',
      'a[href^="javascript"]',
    ]
      .map((tag) => `.kb-results ${tag}`)
      .join(', ');
    for (const view of ['', '&view=timeline']) {
      await page.goto(`${base}?q=${encodeURIComponent('hostile markup iframe javascript')}${view}`);
      await page.waitForSelector('.kb-result');
      const hit = page
        .locator('.kb-result', { has: page.locator('.kb-citation', { hasText: 'Online safety reminder' }) })
        .first();
      expect(await hit.locator('.kb-snippet').textContent()).toMatch(/<(iframe|script|img|svg|a) /);
      expect(await page.locator(injected).count()).toBe(0);
      expect(await hit.locator('mark').evaluateAll((marks) => marks.every((m) => m.attributes.length === 0))).toBe(
        true,
      );
      await hit.locator('button', { hasText: 'Related' }).click();
      await expect.poll(() => hit.locator('.kb-related li').count()).toBeGreaterThan(0);
      await hit.locator('button', { hasText: 'Copy quote' }).click();
      // The quote is the passage's own text, markup and all, as text.
      expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/<(iframe|script|img|svg|a) /);
      expect(await page.locator(injected).count()).toBe(0);
    }
    await page
      .locator('.kb-result', { has: page.locator('.kb-citation', { hasText: 'Online safety reminder' }) })
      .first()
      .locator('.kb-actions a', { hasText: 'Open in document' })
      .click();
    await page.waitForSelector('.kb-passage--target');
    const shown = (await page.locator('#doc-text').textContent())!;
    for (const payload of CLASSIC_XSS) expect(shown).toContain(payload);
    expect(
      await page
        .locator('#doc-text *')
        .evaluateAll((nodes) => nodes.filter((n) => !['SECTION', 'P', 'A', 'SPAN'].includes(n.tagName)).length),
    ).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it(
    'the Over time view: a chart of mentions per month with its text alternative, dated quotes in either order, ' +
      'each with Copy quote',
    async () => {
      await page.goto(`${base}?q=apprenticeships`);
      await page.waitForSelector('.kb-result');
      await page.click('#view-timeline');
      await page.waitForSelector('svg.kb-chart');
      expect(page.url()).toContain('view=timeline');
      expect(await page.getAttribute('#view-timeline', 'aria-current')).toBe('page');
      const api = (await (await fetch(`${base}api/timeline?q=apprenticeships`)).json()) as {
        total: number;
        months: { month: string; count: number }[];
        first: { date: string };
        latest: { date: string };
      };
      // The chart is an image whose title and description are its text alternative.
      const chart = page.locator('svg.kb-chart');
      expect(await chart.getAttribute('role')).toBe('img');
      const label = await chart.evaluate((svg) =>
        svg
          .getAttribute('aria-labelledby')!
          .split(' ')
          .map((id) => document.getElementById(id)!.textContent)
          .join(' '),
      );
      expect(label).toContain('Mentions of “apprenticeships” per month');
      for (const m of api.months.filter((x) => x.count)) {
        const [y, mo] = m.month.split('-').map(Number);
        const name = new Date(Date.UTC(y!, mo! - 1, 1)).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
        expect(label).toContain(`${name} ${y}: ${m.count}`);
      }
      expect(await chart.locator('rect').count()).toBeGreaterThanOrEqual(api.months.filter((x) => x.count).length);
      // The same figures as a table, and the first and latest mention.
      await page.click('#results details summary');
      expect(await page.locator('#timeline-table tbody tr').count()).toBe(api.months.filter((x) => x.count).length);
      expect(await page.textContent('#results')).toContain('First mention: ');
      // Newest first by default, oldest first on request, through the URL too.
      // Undated passages (none of the samples; an upload from an earlier test) come last either way.
      const dates = async () =>
        (await page.locator('.kb-month h3').allTextContents())
          .map((t) => t.replace(/ \(\d+\)$/, ''))
          .filter((t) => t !== 'Undated');
      const newestFirst = await dates();
      expect(newestFirst.length).toBeGreaterThan(1);
      await page.click('#timeline-order');
      await expect.poll(() => page.url()).toContain('order=oldest');
      await expect.poll(dates).toEqual([...newestFirst].reverse());
      expect(await page.locator('.kb-result').first().textContent()).toContain('First mention');
      // Each quote copies with its citation.
      await page.locator('.kb-result button', { hasText: 'Copy quote' }).first().click();
      await expect.poll(() => page.textContent('#status')).toContain('Quote copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^“.+” \(.+\)$/s);
      expect(await axe()).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'timeline.png'), fullPage: true });
    },
  );

  it(
    'standing text is one hit that says where else it appears and lists them; Related shows passages from other ' +
      'documents',
    async () => {
      await page.goto(`${base}?q=${encodeURIComponent('require assistance helpdesk')}`);
      await page.waitForSelector('.kb-result');
      const standing = page.locator('.kb-result', { hasText: 'If you require any assistance' });
      expect(await standing.count()).toBe(1);
      expect(await standing.locator('.kb-repeated').textContent()).toMatch(
        /Standing text\s*Same words in 10 documents, 9 January 2024 to 14 January 2025/,
      );
      await standing.locator('button', { hasText: 'Show all 10' }).click();
      await expect.poll(() => standing.locator('.kb-copies li').count()).toBe(10);
      expect(await standing.locator('.kb-copies li').first().textContent()).toContain('9 January 2024');

      await page.locator('#all-repeats').check();
      await expect.poll(() => page.url()).toContain('repeats=all');
      await expect
        .poll(() => page.locator('.kb-result', { hasText: 'If you require any assistance' }).count())
        .toBeGreaterThan(1);
      await page.locator('#all-repeats').uncheck();

      await page.goto(`${base}?q=apprenticeships`);
      await page.waitForSelector('.kb-result');
      const first = page.locator('.kb-result').first();
      const title = await first.locator('.kb-citation strong').textContent();
      const related = first.locator('button', { hasText: 'Related' });
      await related.click();
      expect(await related.getAttribute('aria-expanded')).toBe('true');
      await expect.poll(() => first.locator('.kb-related li').count()).toBeGreaterThan(0);
      for (const t of await first.locator('.kb-related .kb-citation strong').allTextContents())
        expect(t).not.toBe(title);
      expect(await axe()).toEqual([]);
    },
  );

  it('a passage from an attached PDF says which bulletin it came with, linked', async () => {
    await page.goto(`${base}?q=${encodeURIComponent('levy transfer apprenticeship strategy')}&kind=strategy`);
    await page.waitForSelector('.kb-result');
    const result = page.locator('.kb-result', { hasText: 'Skills and Apprenticeships Strategy' }).first();
    const link = result.locator('.kb-citation a', { hasText: 'weekly update' });
    expect(await link.textContent()).toBe('“5 March 2024 weekly update”');
    expect(await link.getAttribute('href')).toMatch(/^\/documents\/\d+$/);
    await link.click();
    await expect.poll(() => page.textContent('#doc-title')).toBe('5 March 2024 weekly update');
    // …and the bulletin links back to its attachment.
    const back = page.locator('#doc-meta a', { hasText: 'Skills and Apprenticeships Strategy' });
    await back.click();
    await expect.poll(() => page.textContent('#doc-meta')).toContain('Attached to');
  });

  it('works at phone width', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}?q=attendance`);
    await page.waitForSelector('.kb-result');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await axe()).toEqual([]);
    await page.setViewportSize({ width: 1100, height: 1000 });
  });
});
