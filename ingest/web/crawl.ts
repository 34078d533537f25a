import type { WebSettings } from '../../src/config-intake.js';
import { KbError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import type { DocumentKind } from '../../src/store/types.js';
import type { WebFetch, WebLinks } from '../../src/store/web-fetches.js';
import { sha256 } from '../../src/text/words.js';
import type { Pipeline } from '../pipeline.js';
import { failure, type IngestResult } from '../results.js';
import { fetchBounded, type FetchLimits } from './fetch.js';
import { classify, feedLinks, isListing, pageLinks, sitemapLinks, type Listed } from './links.js';
import { ingestPage, type Got } from './page.js';
import { Politeness } from './robots.js';

export interface CrawlDeps {
  store: Store;
  pipeline: Pipeline;
  settings: WebSettings;
  log: Logger;
}

export interface CrawlOptions {
  kind?: DocumentKind;
  /** Before each address is fetched: how many are done, how many are known so far. */
  onUrl?: (done: number, known: number, url: string) => void;
}

/** An address waiting to be fetched: how many links from an address given, and the date its listing gave. */
interface Queued {
  url: string;
  depth: number;
  date: string | null;
}

/** True for what `kb ingest` should fetch rather than read from disk. Pure. */
export function isWebAddress(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}

/**
 * Web intake: pages, listing pages, sitemaps and feeds, followed to their
 * pages (breadth first, within the depth and page limits), each page stored
 * with the files its main content links attached (see page.ts). Polite (its
 * robots.txt, a pause between requests to a site, a User-Agent that says who
 * it is) and on the sites given unless others are allowed. Every address
 * answers for itself: a failure, or a limit reached, is a result of its own,
 * and nothing stored changes for it.
 */
export async function* crawl(
  urls: string[],
  deps: CrawlDeps,
  options: CrawlOptions = {},
): AsyncGenerator<IngestResult[]> {
  const { settings, log } = deps;
  const started = Date.now();
  const hosts = new Set(settings.webAllowHosts.map((h) => h.toLowerCase()));
  const queue: Queued[] = [];
  const seen = new Set<string>();
  const enqueue = (url: string, depth: number, date: string | null) => {
    if (seen.has(url)) return;
    seen.add(url);
    queue.push({ url, depth, date });
  };
  for (const given of urls) {
    try {
      const url = new URL(given);
      url.hash = '';
      hosts.add(url.host.toLowerCase());
      enqueue(url.href, 0, null);
    } catch (err) {
      yield [failure(given, new KbError('WEB_BAD_URL', { url: given, detail: (err as Error).message }))];
    }
  }
  const limits: FetchLimits = {
    timeoutMs: settings.webRequestTimeoutMs,
    maxBytes: settings.maxFileBytes,
    maxRedirects: settings.webMaxRedirects,
    userAgent: settings.webUserAgent,
    allowHost: (host) => hosts.has(host.toLowerCase()),
  };
  const polite = new Politeness(limits, settings.webDelayMs);
  const budget = { pages: 0, bytes: 0 };
  const limit = (): KbError | null => {
    if (Date.now() - started > settings.webTimeLimitMs)
      return new KbError('WEB_LIMIT', {
        detail: `the run's time limit of ${settings.webTimeLimitMs} ms was reached`,
        setting: 'KB_WEB_TIME_LIMIT_MS',
      });
    if (budget.bytes >= settings.webMaxTotalBytes)
      return new KbError('WEB_LIMIT', {
        detail: `${budget.bytes} bytes were downloaded, the run's limit`,
        setting: 'KB_WEB_MAX_TOTAL_BYTES',
      });
    return null;
  };
  /** One address fetched politely: allowed by robots.txt, in its turn, conditionally when it was fetched before. */
  const get = async (url: string, fresh = false): Promise<Got> => {
    await polite.check(url);
    await polite.turn(url);
    const cached = deps.store.read(() => deps.store.webFetches.get(url));
    const known = !fresh && cached && (cached.source_id === null || deps.store.documents.bySource(cached.source_id));
    const res = await fetchBounded(url, limits, known ? { etag: cached.etag, lastModified: cached.last_modified } : {});
    if (res.status === 'unchanged') return { url, cached: cached! };
    budget.bytes += res.bytes.length;
    return { url, cached, fetched: res };
  };
  const remember = (row: Omit<WebFetch, 'fetched_at'>) =>
    deps.store.transaction(() => deps.store.webFetches.put({ ...row, fetched_at: new Date().toISOString() }));
  let offSite = 0;

  for (let done = 0; queue.length; done++) {
    const item = queue.shift()!;
    options.onUrl?.(done, done + queue.length + 1, item.url);
    const stop = limit();
    if (stop || (budget.pages >= settings.webMaxPages && item.depth > 0)) {
      const err =
        stop ??
        new KbError('WEB_LIMIT', {
          detail: `${settings.webMaxPages} pages were fetched, the run's limit`,
          setting: 'KB_WEB_MAX_PAGES',
        });
      yield [failure(item.url, new KbError('WEB_LIMIT', { ...err.params, url: item.url }), 'skipped')];
      continue;
    }
    try {
      const got = await get(item.url);
      const kind = got.fetched ? classify(got.fetched.contentType, got.fetched.url, got.fetched.bytes) : null;
      const was = got.cached?.kind;
      const follow = (links: Listed[], sitemaps: string[] = []) => {
        for (const s of sitemaps) if (limits.allowHost(new URL(s).host)) enqueue(s, item.depth + 1, null);
        for (const l of links) {
          if (!limits.allowHost(new URL(l.url).host)) offSite++;
          else if (item.depth < settings.webMaxDepth) enqueue(l.url, item.depth + 1, l.date ?? item.date);
        }
      };
      if (kind?.kind === 'sitemap' || kind?.kind === 'feed' || (!kind && (was === 'sitemap' || was === 'feed'))) {
        let links: WebLinks;
        const what = kind?.kind ?? was!;
        if (got.fetched) {
          const body = Buffer.from(got.fetched.bytes).toString('utf8');
          links =
            what === 'sitemap'
              ? (() => {
                  const s = sitemapLinks(body, got.fetched.url);
                  return { pages: s.pages, sitemaps: s.sitemaps };
                })()
              : { pages: feedLinks(body, got.fetched.url) };
          remember({ ...validators(got), url: item.url, kind: what, source_id: null, links });
        } else links = got.cached!.links;
        follow(links.pages ?? [], links.sitemaps);
        log.info(`${what} ${item.url}: ${(links.pages ?? []).length} pages${got.fetched ? '' : ' (unchanged)'}`);
        continue;
      }
      if (kind?.kind === 'page' || (!kind && (was === 'page' || was === 'listing'))) {
        budget.pages++;
        const links = got.fetched ? pageLinks(Buffer.from(got.fetched.bytes).toString('utf8'), got.fetched.url) : null;
        const listing = links ? isListing(links) : was === 'listing';
        if (listing && item.depth < settings.webMaxDepth) {
          const pages = links ? links.pages.map((url) => ({ url, date: null })) : (got.cached!.links.pages ?? []);
          if (got.fetched)
            remember({ ...validators(got), url: item.url, kind: 'listing', source_id: null, links: { pages } });
          follow(pages);
          log.info(`listing ${item.url}: ${pages.length} links followed${got.fetched ? '' : ' (unchanged)'}`);
          continue;
        }
        yield await ingestPage(got, links, item, { deps, get, remember, options, allowHost: limits.allowHost });
        continue;
      }
      // A document given or listed by address: a PDF, a Word file, a text.
      yield await ingestPage(got, null, item, { deps, get, remember, options, allowHost: limits.allowHost }, kind);
    } catch (err) {
      const e = err instanceof KbError ? err : new KbError('WEB_UNREACHABLE', { url: item.url, detail: String(err) });
      const skipped = e.code === 'WEB_ROBOTS_DISALLOWED' || e.code === 'WEB_OFF_SITE';
      yield [failure(item.url, e, skipped ? 'skipped' : 'failed')];
    }
  }
  if (offSite) log.info(`${offSite} links to other sites not followed (allow a site with --allow-host)`);
}

/** The validators and hash of a fresh answer, to remember for the next run. */
export function validators(got: Got): Pick<WebFetch, 'etag' | 'last_modified' | 'sha256'> {
  const f = got.fetched!;
  return { etag: f.etag, last_modified: f.lastModified, sha256: sha256(f.bytes) };
}
