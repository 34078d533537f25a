import path from 'node:path';
import * as cheerio from 'cheerio';
import { XMLParser } from 'fast-xml-parser';
import type { AnyNode, Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { KbError } from '../../src/errors.js';
import { EXTENSIONS } from '../loaders/index.js';
import { mainContent } from '../loaders/html.js';
import { findDate } from '../metadata.js';

/** What an address turned out to be, from its Content-Type, its name and its first bytes. Pure. */
export type Resource = { kind: 'page' } | { kind: 'sitemap' } | { kind: 'feed' } | { kind: 'file'; ext: string };

/** File extensions by Content-Type, for documents served without a telling name. */
const TYPE_EXTENSIONS: Record<string, string> = {
  'text/html': '.html',
  'application/xhtml+xml': '.html',
  'application/pdf': '.pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'text/plain': '.txt',
  'text/markdown': '.md',
  'message/rfc822': '.eml',
  'application/vnd.ms-outlook': '.msg',
};

/** Linked files that are documents of a kind not read: said on the page's result, not fetched. */
const UNREAD_FILES = /\.(docm?|dotx?|xlsx?|xlsm|csv|pptx?|odt|ods|odp|rtf|zip|7z|rar)$/i;

/** A link's address without its fragment, or null when it is not http(s). Pure. */
export function absolute(href: string | undefined, base: string): string | null {
  if (!href) return null;
  try {
    const url = new URL(href.trim(), base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    url.hash = '';
    return url.href;
  } catch {
    return null;
  }
}

function extOf(url: string): string {
  try {
    return path.posix.extname(decodeURIComponent(new URL(url).pathname)).toLowerCase();
  } catch {
    return '';
  }
}

export function classify(contentType: string, url: string, bytes: Uint8Array): Resource {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('latin1').trimStart();
  if (head.startsWith('%PDF-')) return { kind: 'file', ext: '.pdf' };
  const xmlType = /[/+]xml$/.test(contentType) || contentType === 'text/xml';
  if (xmlType || head.startsWith('<?xml')) {
    const root = /<(?:[\w-]+:)?(urlset|sitemapindex|rss|feed|RDF)\b/.exec(Buffer.from(bytes).toString('utf8', 0, 4096));
    if (root?.[1] === 'urlset' || root?.[1] === 'sitemapindex') return { kind: 'sitemap' };
    if (root) return { kind: 'feed' };
    if (contentType !== 'application/xhtml+xml' && !/^<\?xml[^>]*>\s*<!doctype html/i.test(head))
      throw new KbError('WEB_UNSUPPORTED', { url, detail: 'an XML document that is neither a sitemap nor a feed' });
  }
  const byType = TYPE_EXTENSIONS[contentType];
  if (byType === '.html' || (!contentType && /^<(!doctype html|html)/i.test(head))) return { kind: 'page' };
  const ext = byType ?? extOf(url);
  if (ext in EXTENSIONS && EXTENSIONS[ext] !== 'image' && ext !== '.html' && ext !== '.htm')
    return { kind: 'file', ext };
  throw new KbError('WEB_UNSUPPORTED', { url, detail: contentType ? `served as ${contentType}` : 'of no stated type' });
}

/** A file name for a fetched document: the address's last part, with the extension its type calls for. Pure. */
export function fileNameFor(url: string, ext: string): string {
  let base = 'index';
  try {
    const last = decodeURIComponent(new URL(url).pathname).split('/').filter(Boolean).pop();
    if (last) base = last.replace(/[^\w.-]+/g, '_');
  } catch {
    // keep 'index'
  }
  return path.posix.extname(base).toLowerCase() === ext ? base : `${base}${ext}`;
}

export interface PageLinks {
  /** The page's canonical address when it states one (absolute, on the same site). */
  canonical: string | null;
  /** Links in the main content to documents to fetch and attach (PDF, DOCX, text, mail). */
  files: string[];
  /** Links in the main content to linked documents of a kind not read. */
  unread: string[];
  /** Links in the main content to other pages. */
  pages: string[];
  /** Share of the main content's words that are link text: a listing is mostly links. */
  linkShare: number;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * The links of a page's main content (the HTML loader's rules: navigation,
 * headers, footers and skip links are not content), sorted into documents
 * to attach and pages to follow. Pure.
 */
export function pageLinks(html: string, base: string): PageLinks {
  const $ = cheerio.load(parseDocument(html));
  const canonicalHref = absolute($('link[rel=canonical]').attr('href'), base);
  const canonical = canonicalHref && new URL(canonicalHref).host === new URL(base).host ? canonicalHref : null;
  const { roots, dropped } = mainContent($);
  const files = new Set<string>();
  const unread = new Set<string>();
  const pages = new Set<string>();
  let linkWords = 0;
  let all = 0;
  // One walk over the main content, skipping what is not content: linear in the page, however deep it nests.
  const stack: { node: AnyNode; inLink: boolean }[] = roots.map((node) => ({ node, inLink: false }));
  while (stack.length) {
    const { node, inLink } = stack.pop()!;
    if (dropped.has(node)) continue;
    if (node.type === 'text') {
      const n = words((node as unknown as { data: string }).data);
      all += n;
      if (inLink) linkWords += n;
      continue;
    }
    if (node.type !== 'tag' && node.type !== 'root') continue;
    const el = node as Element;
    const href = el.name?.toLowerCase() === 'a' ? el.attribs?.href : undefined;
    const url = href !== undefined ? absolute(href, base) : null;
    if (url) {
      const ext = extOf(url);
      if (UNREAD_FILES.test(ext)) unread.add(url);
      else if (ext in EXTENSIONS && EXTENSIONS[ext] !== 'html' && EXTENSIONS[ext] !== 'image') files.add(url);
      else if (!(ext in EXTENSIONS) || EXTENSIONS[ext] === 'html') pages.add(url);
    }
    const children = el.children ?? [];
    for (let c = children.length - 1; c >= 0; c--) stack.push({ node: children[c]!, inLink: inLink || url !== null });
  }
  return { canonical, files: [...files], unread: [...unread], pages: [...pages], linkShare: all ? linkWords / all : 0 };
}

/** A listing page: at least three links to pages, and most of its words are link text. Pure. */
export function isListing(links: PageLinks): boolean {
  return links.pages.length >= 3 && links.linkShare >= 0.5;
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['url', 'sitemap', 'item', 'entry', 'link'].includes(name),
});

function parseXml(text: string, url: string): Record<string, unknown> {
  // Sitemaps and feeds never need entity declarations; refusing them stops entity expansion attacks.
  if (/<!ENTITY/i.test(text))
    throw new KbError('WEB_UNSUPPORTED', { url, detail: 'an XML document declaring entities' });
  try {
    return xml.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new KbError('WEB_UNSUPPORTED', { url, detail: `XML that cannot be read (${(err as Error).message})` });
  }
}

/** A linked page and the date its listing gives (a feed's publication date). */
export interface Listed {
  url: string;
  date: string | null;
}

const text = (v: unknown): string =>
  (typeof v === 'object' && v ? String((v as { '#text'?: unknown })['#text'] ?? '') : String(v ?? '')).trim();

/** Dates in feeds: RFC 822 (RSS), ISO 8601 (Atom, Dublin Core). Pure. */
export function isoDateOf(value: unknown): string | null {
  const s = text(value);
  if (!s) return null;
  const iso = /^\d{4}-\d{2}-\d{2}/.exec(s)?.[0];
  if (iso) return iso;
  const t = Date.parse(s);
  return Number.isNaN(t) ? findDate(s) : new Date(t).toISOString().slice(0, 10);
}

/** The pages of a sitemap and the sitemaps of a sitemap index. Pure. */
export function sitemapLinks(body: string, base: string): { pages: Listed[]; sitemaps: string[] } {
  const doc = parseXml(body, base);
  const urlset = doc.urlset as { url?: { loc?: unknown }[] } | undefined;
  const index = doc.sitemapindex as { sitemap?: { loc?: unknown }[] } | undefined;
  const pages = (urlset?.url ?? [])
    .map((u) => absolute(text(u.loc), base))
    .filter((u): u is string => !!u)
    .map((url) => ({ url, date: null }));
  const sitemaps = (index?.sitemap ?? []).map((s) => absolute(text(s.loc), base)).filter((u): u is string => !!u);
  return { pages, sitemaps };
}

type Link = { href?: string; rel?: string } | string;

/** The entries of an RSS or Atom feed, each with its publication date. Pure. */
export function feedLinks(body: string, base: string): Listed[] {
  const doc = parseXml(body, base);
  const rss = (doc.rss as { channel?: { item?: Record<string, unknown>[] } } | undefined)?.channel?.item;
  const rdf = (doc.RDF as { item?: Record<string, unknown>[] } | undefined)?.item;
  const atom = (doc.feed as { entry?: Record<string, unknown>[] } | undefined)?.entry;
  const out: Listed[] = [];
  for (const item of [...(rss ?? []), ...(rdf ?? [])]) {
    const links = (item.link as Link[] | undefined) ?? [];
    const href = links.map((l) => (typeof l === 'string' ? l : (l.href ?? text(l)))).find(Boolean);
    const url = absolute(href, base);
    if (url) out.push({ url, date: isoDateOf(item.pubDate ?? item.date) });
  }
  for (const entry of atom ?? []) {
    const links = (entry.link as Link[] | undefined) ?? [];
    const link = links.find((l) => typeof l !== 'string' && (!l.rel || l.rel === 'alternate'));
    const url = absolute(typeof link === 'string' ? link : link?.href, base);
    if (url) out.push({ url, date: isoDateOf(entry.published ?? entry.updated) });
  }
  return out;
}
