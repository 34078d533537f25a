import { AxeBuilder } from '@axe-core/playwright';
import mammoth from 'mammoth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { serve, type Running } from '../../src/server/serve.js';
import { SAMPLES, tempDir } from '../helpers.js';
import { HAS_CHROMIUM, launchChromium } from './browser.js';

/** The page as people meet it: the demo said, results on the first screen, quotes they can paste. */
describe.skipIf(!HAS_CHROMIUM)('the page on the first screen', () => {
  let browser: Browser;
  const servers: { kb: KnowledgeBase; running: Running }[] = [];

  const start = async (overrides: Record<string, unknown>, paths: string[]) => {
    const config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent', port: 0, ...overrides });
    const kb = await KnowledgeBase.open(config, silentLogger);
    if (paths.length) await kb.ingest(paths);
    const running = await serve(kb, config, silentLogger);
    servers.push({ kb, running });
    return running.url;
  };
  let samples: string;
  let demo: string;
  let empty: string;

  beforeAll(async () => {
    [samples, demo, empty] = await Promise.all([start({}, [SAMPLES]), start({ demo: true }, [SAMPLES]), start({}, [])]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.running.close();
  });

  const open = async (url: string, width: number, height: number): Promise<Page> => {
    const context = await browser.newContext({
      viewport: { width, height },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    // A resource that fails is reported with its address (the console message has none).
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    (page as Page & { errors: string[] }).errors = errors;
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('embedder-name')?.textContent?.includes('Search model'));
    return page;
  };
  const errorsOf = (page: Page) => (page as Page & { errors: string[] }).errors;
  const axe = async (page: Page) =>
    (await new AxeBuilder({ page }).analyze()).violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    it(`at ${width} × ${height}: after a search the first result starts on the first screen`, async () => {
      const page = await open(samples, width, height);
      // The offline notice is one line, and the tabs are hidden before a search.
      expect(await page.isVisible('#builtin-notice')).toBe(true);
      const notice = await page.locator('#builtin-notice').boundingBox();
      expect(notice!.height).toBeLessThanOrEqual(width < 600 ? 64 : 40);
      expect(await page.isVisible('#views')).toBe(false);
      await page.fill('#q', 'what did we say about apprenticeships');
      await page.press('#q', 'Enter');
      await page.waitForSelector('.kb-result');
      const top = await page.locator('.kb-result').first().boundingBox();
      expect(top!.y, `first result at y = ${Math.round(top!.y)}`).toBeLessThan(height - 60);
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      expect(await page.isVisible('#views')).toBe(true);
      expect(await axe(page)).toEqual([]);
      expect(errorsOf(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('the offline notice can be hidden for the session, and stays hidden after a reload', async () => {
    const page = await open(samples, 1280, 800);
    await page.click('#builtin-notice-close');
    expect(await page.isVisible('#builtin-notice')).toBe(false);
    await page.reload();
    await page.waitForFunction(() => document.getElementById('embedder-name')?.textContent?.includes('Search model'));
    expect(await page.isVisible('#builtin-notice')).toBe(false);
    await page.context().close();
  });

  it('the tabs are hidden in answer mode', async () => {
    const page = await open(`${samples}?mode=ask&q=${encodeURIComponent('how many new specialist places')}`, 1280, 800);
    await page.waitForSelector('.kb-answer');
    expect(await page.isVisible('#views')).toBe(false);
    expect(errorsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('the demo says it is a demo of fictional documents; a real knowledge base does not', async () => {
    const page = await open(demo, 1280, 800);
    await expect.poll(() => page.isVisible('#demo-notice')).toBe(true);
    expect(await page.textContent('#demo-notice')).toMatch(/fictional documents/);
    expect(await axe(page)).toEqual([]);
    const real = await open(samples, 1280, 800);
    expect(await real.isVisible('#demo-notice')).toBe(false);
    await page.context().close();
    await real.context().close();
  });

  it('an empty knowledge base says how to add documents', async () => {
    const page = await open(empty, 390, 844);
    await expect.poll(() => page.isVisible('#empty')).toBe(true);
    expect(await page.textContent('#empty')).toContain('npx kb ingest');
    expect(await page.textContent('#empty')).toContain('Add documents');
    expect(await axe(page)).toEqual([]);
    const full = await open(samples, 390, 844);
    expect(await full.isVisible('#empty')).toBe(false);
    await page.context().close();
    await full.context().close();
  });

  it('Copy quote copies the sentences that matched with the citation once; Copy with link adds the link', async () => {
    const page = await open(`${samples}?q=apprenticeship+levy`, 1280, 800);
    await page.waitForSelector('.kb-result');
    const res = (await (await fetch(`${samples}api/search?q=apprenticeship+levy&k=20`)).json()) as {
      results: { text: string; citation: { title: string; date: string; url: string } }[];
    };
    const top = res.results[0]!;
    const first = page.locator('.kb-result').first();
    await first.getByRole('button', { name: /^Copy quote/ }).click();
    const plain = await page.evaluate(() => navigator.clipboard.readText());
    const m = /^“(.+)” \((.+)\)$/s.exec(plain);
    expect(m, plain).not.toBeNull();
    const [, words, citation] = m!;
    // One to three sentences of the passage, with the words searched for; shorter than the passage.
    const flat = top.text.replace(/\s+/g, ' ');
    for (const part of words!.split(' … ').map((p) => p.replace(/^… | …$/g, ''))) expect(flat).toContain(part);
    expect(words).toMatch(/levy/i);
    expect(words!.length).toBeLessThan(top.text.length);
    // The citation once: the title carries the date, so the date is not repeated.
    expect(citation).toContain(top.citation.title);
    const day = Number(top.citation.date.slice(8));
    expect(citation!.split(String(day)).length - 1).toBe(1);
    await first.getByRole('button', { name: /^Copy with link/ }).click();
    const linked = await page.evaluate(() => navigator.clipboard.readText());
    expect(linked).toBe(`${plain} ${new URL(top.citation.url, samples).href}`);
    await page.context().close();
  });

  it('selecting part of a passage and pressing Copy quote copies exactly that, with one citation', async () => {
    const page = await open(`${samples}?q=apprenticeship+levy`, 1280, 800);
    await page.waitForSelector('.kb-result');
    const first = page.locator('.kb-result').first();
    const selected = await first.locator('.kb-snippet').evaluate((p) => {
      const text = p.firstChild!.nodeType === Node.TEXT_NODE ? p.firstChild! : p.childNodes[0]!;
      const range = document.createRange();
      const node = text.nodeType === Node.TEXT_NODE ? text : text.firstChild!;
      const length = Math.min(node.textContent!.length, 12);
      range.setStart(node, 0);
      range.setEnd(node, length);
      const sel = document.getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
      return sel.toString().trim();
    });
    expect(selected.length).toBeGreaterThan(3);
    await first.getByRole('button', { name: /^Copy quote/ }).click();
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    expect(clip.startsWith(`“${selected}” (`)).toBe(true);
    expect(clip.match(/\(/g)!.length).toBe(1 + (selected.match(/\(/g)?.length ?? 0));
    await page.context().close();
  });

  it('the timeline chart shows years across a long range, with labels of 12 px or more on a phone', async () => {
    for (const width of [390, 1280]) {
      const page = await open(samples, width, 844);
      // A string, so the test runner leaves the page's own import() alone.
      const labels = (await page.evaluate(`(async () => {
        const { chart } = await import('/app.js');
        const months = [];
        for (let y = 2015; y <= 2024; y++)
          for (let m = 1; m <= 12; m++)
            months.push({ month: y + '-' + String(m).padStart(2, '0'), count: (y * m) % 3 });
        const host = document.getElementById('results');
        const { image } = chart(months, 'apprenticeships', host.clientWidth);
        host.replaceChildren(image);
        const scale = image.getBoundingClientRect().width / image.viewBox.baseVal.width;
        return [...image.querySelectorAll('text')].map((t) => ({
          text: t.textContent,
          px: parseFloat(getComputedStyle(t).fontSize) * scale,
        }));
      })()`)) as { text: string; px: number }[];
      const years = labels.filter((l) => /^\d{4}$/.test(l.text)).map((l) => Number(l.text));
      expect(years[0]).toBe(2015);
      expect(Math.max(...years), `years shown at ${width}: ${years}`).toBeGreaterThanOrEqual(2023);
      expect(years.length).toBeGreaterThanOrEqual(width < 600 ? 4 : 10);
      for (const l of labels) expect(l.px, `${l.text} at ${width}`).toBeGreaterThanOrEqual(12);
      await page.context().close();
    }
  });

  it('the documents page lists every document, newest first, by kind, each opening its document', async () => {
    const page = await open(`${samples}documents`, 1280, 800);
    await page.waitForSelector('#documents-rows tr');
    const api = (await (await fetch(`${samples}api/documents?limit=100`)).json()) as {
      total: number;
      documents: { id: number; title: string; kind: string; passages: number }[];
    };
    expect(await page.locator('#documents-rows tr').count()).toBe(api.total);
    const titles = await page.locator('#documents-rows tr td:first-child').allTextContents();
    expect(titles).toEqual(api.documents.map((d) => d.title));
    const counts = await page.locator('#documents-rows tr td:last-child').allTextContents();
    expect(counts).toEqual(api.documents.map((d) => String(d.passages)));
    expect(await page.getAttribute('#nav-documents', 'aria-current')).toBe('page');
    expect(await axe(page)).toEqual([]);
    // By kind, through the form and in the address.
    await page.selectOption('#documents-kind', 'strategy');
    await expect.poll(() => page.url()).toContain('kind=strategy');
    const strategies = api.documents.filter((d) => d.kind === 'strategy');
    await expect.poll(() => page.locator('#documents-rows tr').count()).toBe(strategies.length);
    await page.locator('#documents-rows a').first().click();
    await page.waitForSelector('#doc-title:not(:empty)');
    expect(strategies.map((d) => d.title)).toContain(await page.textContent('#doc-title'));
    await page.goBack();
    await expect.poll(() => page.locator('#documents-rows tr').count()).toBe(strategies.length);
    // The header links here from the search page.
    await page.goto(samples);
    await page.click('#nav-documents');
    await page.waitForSelector('#documents-rows tr');
    expect(errorsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('a link to a passage the document no longer has opens the document with a notice saying so', async () => {
    const api = (await (await fetch(`${samples}api/documents?limit=1`)).json()) as { documents: { id: number }[] };
    const id = api.documents[0]!.id;
    const page = await open(`${samples}documents/${id}?passage=999999&q=levy#passage-999999`, 390, 844);
    await page.waitForSelector('#passage-gone');
    expect(await page.textContent('#passage-gone')).toMatch(/no longer in this document/);
    expect(await page.getAttribute('#passage-gone a', 'href')).toBe('/?q=levy');
    expect(await page.locator('.kb-passage').count()).toBeGreaterThan(0);
    expect(await axe(page)).toEqual([]);
    await page.context().close();
  });

  it('a search offers its feed to follow', async () => {
    const page = await open(`${samples}?q=apprenticeships&kind=bulletin`, 1280, 800);
    await page.waitForSelector('.kb-result');
    const href = await page.getAttribute('#follow', 'href');
    expect(href).toBe('/api/feed?q=apprenticeships&kind=bulletin');
    const res = await fetch(new URL(href!, samples));
    expect(res.headers.get('content-type')).toMatch(/atom\+xml/);
    expect(await axe(page)).toEqual([]);
    await page.context().close();
  });

  it('a briefing: add three results, reorder, note, reload, save as Word; the file keeps that order', async () => {
    const page = await open(`${samples}?q=apprenticeship+levy`, 1280, 800);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForSelector('.kb-result');
    const results = page.locator('.kb-result');
    const texts: string[] = [];
    for (const i of [0, 1, 2]) {
      await results
        .nth(i)
        .getByRole('button', { name: /^Add to briefing/ })
        .click();
      texts.push((await results.nth(i).locator('.kb-snippet').textContent())!);
    }
    await expect.poll(() => page.textContent('#briefing-count')).toBe('3');
    await page.click('#briefing-panel summary');
    await page.fill('#briefing-title', 'Levy briefing');
    // The third quote moves to the top, and gets a note.
    await page.getByRole('button', { name: 'Move up quote 3' }).click();
    await page.getByRole('button', { name: 'Move up quote 2' }).click();
    await page.fill('#briefing-note-0', 'Lead with this one');
    expect(await axe(page)).toEqual([]);
    // Kept in the browser.
    await page.reload();
    await page.waitForSelector('.kb-result');
    await page.click('#briefing-panel summary');
    expect(await page.inputValue('#briefing-title')).toBe('Levy briefing');
    expect(await page.inputValue('#briefing-note-0')).toBe('Lead with this one');
    const quotes = await page.locator('.kb-briefing-quote').allTextContents();
    expect(quotes).toHaveLength(3);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#briefing-export-docx')]);
    expect(download.suggestedFilename()).toBe('Levy-briefing.docx');
    const file = await download.path();
    const { value } = await mammoth.extractRawText({ path: file });
    const flat = value.replace(/\s+/g, ' ');
    const order = quotes.map((q) => flat.indexOf(q.replace(/\s+/g, ' ').slice(1, 60)));
    expect(
      order.every((x) => x >= 0),
      flat.slice(0, 300),
    ).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(flat).toContain('Lead with this one');
    expect(texts).toHaveLength(3);
    expect(errorsOf(page)).toEqual([]);
    await page.context().close();
  });
});
