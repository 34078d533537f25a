import path from 'node:path';
import { KbError } from '../../src/errors.js';
import type { WebFetch } from '../../src/store/web-fetches.js';
import type { DocumentRow } from '../../src/store/types.js';
import { sha256 } from '../../src/text/words.js';
import type { Attachment } from '../document.js';
import { failure, unchangedResult, type IngestResult } from '../results.js';
import type { CrawlDeps, CrawlOptions } from './crawl.js';
import type { Fetched } from './fetch.js';
import { classify, fileNameFor, pageLinks, type PageLinks, type Resource } from './links.js';

/** An address asked for: what it answered now (absent when 304 Not Modified) and what it answered last time. */
export interface Got {
  url: string;
  cached: WebFetch | null;
  fetched?: Extract<Fetched, { status: 'fetched' }>;
}

export interface PageContext {
  deps: CrawlDeps;
  /** Fetches politely; `fresh` asks without validators (the stored copy is gone). */
  get: (url: string, fresh?: boolean) => Promise<Got>;
  remember: (row: Omit<WebFetch, 'fetched_at'>) => void;
  options: CrawlOptions;
  allowHost: (host: string) => boolean;
}

/** The bytes of what an address answered: fresh, or (304) the stored original of the document it became. */
function bytesOf(got: Got, deps: CrawlDeps): { bytes: Uint8Array; url: string; doc: DocumentRow | null } | null {
  if (got.fetched) return { bytes: got.fetched.bytes, url: got.fetched.url, doc: null };
  const { store } = deps;
  const doc = got.cached?.source_id ? (store.documents.bySource(got.cached.source_id) ?? null) : null;
  const bytes = doc ? store.originals.read(doc.sha256, doc.file_name) : null;
  return doc && bytes ? { bytes, url: doc.source_url ?? got.url, doc } : null;
}

/**
 * Stores one web page (or a document given by address) with the files its
 * main content links, fetched from the same sites and attached to it as an
 * e-mail's attachments are; its identity and citation source are its
 * canonical address. When neither the page nor its files changed (304, or
 * the same bytes), it is reported unchanged and nothing is written. A file
 * that fails to download fails alone, and a copy stored before is kept.
 */
export async function ingestPage(
  first: Got,
  links: PageLinks | null,
  item: { url: string; date: string | null },
  ctx: PageContext,
  resource?: Resource | null,
): Promise<IngestResult[]> {
  const { store, pipeline } = ctx.deps;
  let got = first;
  let page = bytesOf(got, ctx.deps);
  if (!page) {
    // Answered 304, but the stored copy is gone: ask again without validators.
    got = await ctx.get(item.url, true);
    page = bytesOf(got, ctx.deps);
    if (!page)
      throw new KbError('WEB_HTTP_ERROR', { url: item.url, status: 304, detail: 'to a request without validators' });
  }
  const ext = resource?.kind === 'file' ? resource.ext : page.doc ? path.extname(page.doc.file_name) : '.html';
  const isPage = ext === '.html';
  if (isPage && !links) links = pageLinks(Buffer.from(page.bytes).toString('utf8'), page.url);
  const sourceId = page.doc?.source_id ?? links?.canonical ?? page.url;
  const stored = store.documents.bySource(sourceId) ?? null;
  const before = new Map((stored ? store.documents.childrenOf(stored.id) : []).map((c) => [c.source_id, c]));
  const notes = (links?.unread ?? []).map((u) => `linked file ${u} not read: not a format the knowledge base reads`);
  const attachments: (Attachment & { got: Got | null })[] = [];
  const problems: IngestResult[] = [];
  for (const url of links?.files ?? []) {
    if (url === page.url || url === item.url) continue;
    if (!ctx.allowHost(new URL(url).host)) {
      notes.push(`linked file ${url} not fetched: it is on another site (allow it with --allow-host)`);
      continue;
    }
    try {
      const f = await ctx.get(url);
      const file = bytesOf(f, ctx.deps) ?? bytesOf(await ctx.get(url, true), ctx.deps);
      if (!file) throw new KbError('WEB_HTTP_ERROR', { url, status: 304, detail: 'and no stored copy' });
      const kind = f.fetched ? classify(f.fetched.contentType, f.fetched.url, f.fetched.bytes) : null;
      const fileExt = kind?.kind === 'file' ? kind.ext : file.doc ? path.extname(file.doc.file_name) : null;
      if (!fileExt) throw new KbError('WEB_UNSUPPORTED', { url, detail: 'a page where a file was linked' });
      const name = file.doc?.file_name ?? fileNameFor(file.url, fileExt);
      attachments.push({ fileName: name, mime: '', bytes: file.bytes, sourceId: url, sourceUrl: url, got: f });
    } catch (err) {
      const e = err instanceof KbError ? err : new KbError('WEB_UNREACHABLE', { url, detail: String(err) });
      problems.push(failure(url, e, e.code === 'WEB_ROBOTS_DISALLOWED' ? 'skipped' : 'failed'));
      // A file that cannot be had now keeps the copy stored before.
      const old = before.get(url);
      const bytes = old ? store.originals.read(old.sha256, old.file_name) : null;
      if (old && bytes) attachments.push({ fileName: old.file_name, mime: old.mime, bytes, sourceId: url, got: null });
    }
  }
  const filesChanged =
    attachments.length !== before.size || attachments.some((a) => before.get(a.sourceId!)?.sha256 !== sha256(a.bytes));
  const pageSame = stored !== null && stored.sha256 === sha256(page.bytes);
  const results =
    pageSame && !filesChanged
      ? [unchangedResult(stored, store.documents.passageCount(stored.id))]
      : await pipeline.ingestBytes(
          { name: fileNameFor(page.url, ext), bytes: page.bytes },
          {
            sourceId,
            sourceUrl: isPage ? sourceId : page.url,
            attachments: attachments.map(({ got: _, ...a }) => a),
            fallbackDate: item.date,
            force: pageSame,
            notes,
            ...(ctx.options.kind ? { kind: ctx.options.kind } : {}),
          },
        );
  if (results[0]?.status !== 'failed') {
    const kept = (g: Got, source_id: string, kind: 'page' | 'file') =>
      g.fetched
        ? ctx.remember({
            url: g.url,
            kind,
            etag: g.fetched.etag,
            last_modified: g.fetched.lastModified,
            sha256: sha256(g.fetched.bytes),
            source_id,
            links: {},
          })
        : undefined;
    kept(got, sourceId, isPage ? 'page' : 'file');
    for (const a of attachments) if (a.got) kept(a.got, a.sourceId!, 'file');
  }
  return [...results, ...problems];
}
