import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '../../data/generate/make-pdf.js';
import type { KnowledgeBase } from '../../src/knowledge-base.js';
import { startSite, type SiteBulletin } from '../fixtures/site.js';
import { BULLETINS, HAS_SHARED, PDFS, ROOT, SAMPLES, openKb, query, tempDir } from '../helpers.js';

/** Quick and polite enough for loopback: no pause between requests (the politeness test sets its own). */
const WEB = { webDelayMs: 0, embedder: 'builtin' };

/** The two real bulletins (page-scrape warts and all), each linking one of the real PDFs. */
function realBulletins(): SiteBulletin[] {
  const pdfs = ['libtasn1.pdf', 'shared-mime-info-spec.pdf'];
  return fs
    .readdirSync(BULLETINS)
    .sort()
    .map((file, i) => {
      const lines = fs
        .readFileSync(path.join(BULLETINS, file), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && l !== 'Skip to content');
      const title = lines.find((l) => /weekly update$/i.test(l)) ?? file;
      return {
        slug: file.replace(/\.txt$/, ''),
        title,
        date: file.slice(0, 10),
        paragraphs: lines.filter((l) => l !== title),
        pdf: { name: pdfs[i]!, bytes: fs.readFileSync(path.join(PDFS, pdfs[i]!)) },
      };
    });
}

/** The project's own text samples, each linking a generated strategy PDF. */
async function sampleBulletins(): Promise<SiteBulletin[]> {
  const files = ['2024-01-09-weekly-update.txt', '2024-04-16-weekly-update.txt'];
  return Promise.all(
    files.map(async (file, i) => {
      const lines = fs
        .readFileSync(path.join(SAMPLES, file), 'utf8')
        .split('\n')
        .filter((l) => l && l !== 'Skip to content');
      const topic = ['Early years sufficiency', 'Home to school transport'][i]!;
      const pdf = await makePdf({
        title: `${topic} plan`,
        sections: [
          {
            heading: topic,
            paragraphs: [
              `The ${topic.toLowerCase()} plan sets out how the directorate will meet its duties over three years.`,
              `Quarterly reports on ${topic.toLowerCase()} will go to the cabinet member for education.`,
            ],
          },
        ],
      });
      const title = lines.find((l) => /weekly update$/i.test(l))!;
      return {
        slug: file.replace(/\.txt$/, ''),
        title,
        date: file.slice(0, 10),
        paragraphs: lines.filter((l) => l !== title),
        pdf: { name: `${topic.toLowerCase().replace(/\W+/g, '-')}.pdf`, bytes: pdf },
      };
    }),
  );
}

const lexical = (q: string, k: number) => ({
  q,
  k,
  mode: 'lexical' as const,
  per_doc: 3,
  repeats: 'collapse' as const,
  as_typed: true,
});

/** Words from the middle of a bulletin, to find it by. */
const wordsOf = (b: SiteBulletin) =>
  b.paragraphs
    .find((p) => p.split(' ').length > 25)!
    .split(' ')
    .slice(3, 9)
    .join(' ');

function crawlTests(name: string, bulletins: () => SiteBulletin[] | Promise<SiteBulletin[]>) {
  describe(name, () => {
    let site: Awaited<ReturnType<typeof startSite>>;
    let kb: KnowledgeBase;
    let docs: SiteBulletin[];
    let first: Awaited<ReturnType<KnowledgeBase['ingest']>>;
    beforeAll(async () => {
      docs = await bulletins();
      site = await startSite(docs);
      kb = await openKb(WEB);
      first = await kb.ingest([`${site.origin}/sitemap.xml`]);
    }, 120_000);
    afterAll(async () => {
      await kb?.close();
      await site?.close();
    });
    const pageUrl = (b: SiteBulletin) => `${site.origin}/education/bulletins/${b.slug}`;

    it('stores every page the sitemap lists with its PDF attached, and none robots.txt disallows', () => {
      const { results, summary } = first;
      expect(summary).toMatchObject({ added: 4, failed: 0, skipped: 1 });
      for (const b of docs) {
        const page = results.find((r) => r.source_id === pageUrl(b))!;
        expect(page).toMatchObject({ status: 'added', kind: 'bulletin' });
        expect(page.notes).toEqual([expect.stringMatching(/-data\.xlsx not read: not a format/)]);
        const pdf = results.find((r) => r.source_id === `${site.origin}/documents/${b.pdf.name}`)!;
        expect(pdf).toMatchObject({ status: 'added', parent_id: page.document_id });
        expect(pdf.passages).toBeGreaterThan(0);
      }
      expect(results.find((r) => r.status === 'skipped')).toMatchObject({
        source_id: `${site.origin}/private/staff-only`,
        error: { code: 'WEB_ROBOTS_DISALLOWED' },
      });
      expect(site.requests.filter((r) => r.path.startsWith('/private/'))).toEqual([]);
      expect(site.requests.filter((r) => r.path === '/robots.txt')).toHaveLength(1);
      // Links outside the main content (the privacy notice in the header) are not fetched.
      expect(site.requests.some((r) => r.path === '/documents/privacy.pdf')).toBe(false);
      expect(new Set(site.requests.map((r) => r.userAgent))).toEqual(new Set([expect.stringMatching(/^council-kb\//)]));
    });

    it("stores the page's main content only, and cites the live page (the stored copy stays at raw_url)", async () => {
      for (const b of docs) {
        const res = await kb.search(lexical(wordsOf(b), 3));
        const top = res.results[0]!;
        expect(top.citation).toMatchObject({ source: pageUrl(b), title: b.title, date: b.date });
        expect(top.citation.raw_url).toMatch(/^\/api\/documents\/\d+\/raw/);
      }
      const texts = query<{ text: string }>(kb.config.dataDir, 'SELECT text FROM document_text').map((r) => r.text);
      expect(texts.some((t) => /Skip to content|© County Council/.test(t))).toBe(false);
      const pdfs = query<{ source_url: string; parent: string }>(
        kb.config.dataDir,
        `SELECT d.source_url, p.source_url AS parent FROM documents d JOIN documents p ON p.id = d.parent_id`,
      );
      expect(pdfs.map((p) => p.parent).sort()).toEqual(docs.map(pageUrl).sort());
      expect(pdfs.every((p) => p.source_url.startsWith(`${site.origin}/documents/`))).toBe(true);
    });

    it('a second run asks conditionally, is answered 304 and reports everything unchanged', async () => {
      const before = site.requests.length;
      const again = await kb.ingest([`${site.origin}/sitemap.xml`]);
      expect(again.summary).toMatchObject({ added: 0, updated: 0, failed: 0, unchanged: 2, skipped: 1 });
      const asked = site.requests.slice(before).filter((r) => r.path !== '/robots.txt');
      expect(asked.length).toBe(1 + 2 * docs.length); // the sitemap, each page and each PDF
      expect(asked.every((r) => r.conditional && r.status === 304)).toBe(true);
    });

    it('a page that starts answering 500 fails alone, and its stored copy is kept', async () => {
      const [broken, fine] = docs;
      const passages = () => query(kb.config.dataDir, 'SELECT count(*) AS n FROM passages')[0]!.n as number;
      const count = passages();
      site.fail(`/education/bulletins/${broken!.slug}`);
      const run = await kb.ingest([`${site.origin}/sitemap.xml`]);
      expect(run.results.find((r) => r.source_id === pageUrl(broken!))).toMatchObject({
        status: 'failed',
        error: { code: 'WEB_HTTP_ERROR', message: expect.stringContaining('500') },
      });
      expect(run.results.find((r) => r.source_id === pageUrl(fine!))?.status).toBe('unchanged');
      expect(passages()).toBe(count);
      expect((await kb.search(lexical(wordsOf(broken!), 1))).results[0]?.citation.source).toBe(pageUrl(broken!));
    });

    it('a changed page replaces its passages; the PDF it links, unchanged, is kept as it was', async () => {
      const b = docs[1]!;
      const edited = {
        ...b,
        paragraphs: [...b.paragraphs, 'Correction: the closing date for nominations is 30 June.'],
      };
      const { bulletinPage } = await import('../fixtures/site.js');
      site.change(`/education/bulletins/${b.slug}`, bulletinPage(edited, site.origin));
      const run = await kb.ingest([pageUrl(b)]);
      expect(run.results[0]).toMatchObject({ source_id: pageUrl(b), status: 'updated' });
      expect(run.results).toHaveLength(1);
      const hit = (await kb.search(lexical('closing date for nominations', 1))).results[0]!;
      expect(hit.citation.source).toBe(pageUrl(b));
    });
  });
}

crawlTests('web intake on a generated council site (the samples, generated PDFs)', sampleBulletins);
if (HAS_SHARED) crawlTests('web intake of the real bulletins and PDFs (../shared/corpus)', realBulletins);
else process.stderr.write('note: ../shared is not present: web intake of the real bulletins is skipped\n');

describe('listings, feeds and politeness', () => {
  let docs: SiteBulletin[];
  beforeAll(async () => {
    docs = await sampleBulletins();
  });

  it('a listing page is followed to its pages (robots.txt and other sites respected) and is not stored', async () => {
    const site = await startSite(docs);
    const kb = await openKb(WEB);
    try {
      const { results, summary } = await kb.ingest([`${site.origin}/education/bulletins`]);
      expect(summary).toMatchObject({ added: 4, skipped: 1, failed: 0 });
      expect(results.some((r) => r.source_id === `${site.origin}/education/bulletins`)).toBe(false);
      expect(site.requests.some((r) => r.path.startsWith('/private/'))).toBe(false);
    } finally {
      await kb.close();
      await site.close();
    }
  });

  it("a feed's pages are stored with the feed's date when the page states none", async () => {
    const undated = docs.map((b, i) => ({
      ...b,
      slug: `note-${i}`,
      title: `Note ${i} from the director`,
      paragraphs: b.paragraphs.map((p) => p.replace(/\b\d{1,2} \w+ \d{4}\b/g, 'this week')),
    }));
    const site = await startSite(undated);
    const kb = await openKb(WEB);
    try {
      const { results } = await kb.ingest([`${site.origin}/feed.xml`]);
      const pages = results.filter((r) => r.source_id.includes('/education/bulletins/'));
      expect(pages.map((p) => p.published_at)).toEqual(undated.map((b) => b.date));
    } finally {
      await kb.close();
      await site.close();
    }
  });

  it('a site whose robots.txt fails (5xx) is closed to the run, each address saying why', async () => {
    const site = await startSite(docs);
    site.fail('/robots.txt');
    const kb = await openKb(WEB);
    try {
      const { results } = await kb.ingest([`${site.origin}/sitemap.xml`]);
      expect(results).toEqual([
        expect.objectContaining({
          status: 'failed',
          error: expect.objectContaining({ code: 'WEB_ROBOTS_UNAVAILABLE' }),
        }),
      ]);
      expect(site.requests.map((r) => r.path)).toEqual(['/robots.txt']);
    } finally {
      await kb.close();
      await site.close();
    }
  });

  it("honours the site's Crawl-delay between two requests", async () => {
    const site = await startSite(docs.slice(0, 1), { crawlDelay: 0.3 });
    const kb = await openKb(WEB);
    try {
      await kb.ingest([`${site.origin}/sitemap.xml`]);
      const at = site.requests.map((r) => r.at);
      expect(at.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(290);
    } finally {
      await kb.close();
      await site.close();
    }
  });

  it('the page limit stops the run with the rest reported skipped, and kb ingest says so on the terminal', async () => {
    const site = await startSite(docs);
    const dataDir = tempDir();
    try {
      const run = promisify(execFile);
      const { stdout } = await run(
        process.execPath,
        [path.join(ROOT, 'src/bin/kb.js'), 'ingest', '--max-pages', '1', `${site.origin}/sitemap.xml`],
        { env: { ...process.env, KB_OFFLINE: '1', KB_DATA_DIR: dataDir, KB_WEB_DELAY_MS: '0', KB_LOG_LEVEL: 'warn' } },
      );
      expect(stdout).toMatch(/^added +\[\d+\] .*weekly update/im);
      expect(stdout).toMatch(
        /^skipped +http:\/\/127\.0\.0\.1:\d+\/education\/bulletins\/\S+\n +.*1 pages were fetched/m,
      );
      expect(stdout).toMatch(/KB_WEB_MAX_PAGES/);
      expect(stdout).toMatch(/2 added, 0 updated, 0 unchanged, 0 failed, 2 skipped/);
    } finally {
      await site.close();
    }
  });
});
