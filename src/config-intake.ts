import { z } from 'zod';

const int = (min: number) => z.coerce.number().int().min(min);
const list = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item).default([]),
  );

/**
 * Settings for bringing documents in from the web and from watched folders,
 * part of the one configuration schema (config.ts). Defaults suit a council
 * site: a few hundred pages, a second between requests, nothing off-site.
 */
export const INTAKE_SETTINGS = {
  /** Sent with every request, so a site's owner can see who is fetching. */
  webUserAgent: z.string().min(3).default('council-kb/0.1 (document intake for a council knowledge base)'),
  /** Pages (HTML) fetched at most in one run; sitemaps, feeds and linked files are not counted. */
  webMaxPages: int(1).default(500),
  /** Links followed at most from an address given (a sitemap index to its sitemaps to their pages is 2). */
  webMaxDepth: int(0).max(10).default(3),
  /** Bytes downloaded at most in one run. */
  webMaxTotalBytes: int(1).default(1024 * 1024 * 1024),
  /** Longest one run may fetch for, in ms; what is fetched by then is kept. */
  webTimeLimitMs: int(1_000).default(30 * 60_000),
  /** Longest one request may take (headers and body), in ms. */
  webRequestTimeoutMs: int(100).default(30_000),
  /** Redirects followed at most for one address. */
  webMaxRedirects: int(0).max(20).default(5),
  /** Pause between two requests to the same site, in ms, unless its robots.txt asks for a longer Crawl-delay. */
  webDelayMs: int(0).default(1_000),
  /** Other sites that links may lead to (host names, comma-separated); the sites given are always allowed. */
  webAllowHosts: list(z.string().regex(/^[\w.:-]+$/, 'each must be a host name such as www.kent.gov.uk')),
  /** Folders `kb serve` watches for documents dropped into them (comma-separated; `kb serve --watch DIR`). */
  watch: list(z.string().min(1)),
  /** A watch deletes the documents of files removed from its folders. */
  watchDeleteMissing: z
    .union([z.boolean(), z.string()])
    .transform((v) => (typeof v === 'boolean' ? v : ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase())))
    .default(false),
  /** How often `kb watch` looks at its folders, in ms. */
  watchIntervalMs: int(50).default(2_000),
  /** A dropped file is read once its size and time have not changed for this long, in ms. */
  watchSettleMs: int(0).default(2_000),
};

export const INTAKE_ENV_NAMES = {
  webUserAgent: 'KB_WEB_USER_AGENT',
  webMaxPages: 'KB_WEB_MAX_PAGES',
  webMaxDepth: 'KB_WEB_MAX_DEPTH',
  webMaxTotalBytes: 'KB_WEB_MAX_TOTAL_BYTES',
  webTimeLimitMs: 'KB_WEB_TIME_LIMIT_MS',
  webRequestTimeoutMs: 'KB_WEB_REQUEST_TIMEOUT_MS',
  webMaxRedirects: 'KB_WEB_MAX_REDIRECTS',
  webDelayMs: 'KB_WEB_DELAY_MS',
  webAllowHosts: 'KB_WEB_ALLOW_HOSTS',
  watch: 'KB_WATCH',
  watchDeleteMissing: 'KB_WATCH_DELETE_MISSING',
  watchIntervalMs: 'KB_WATCH_INTERVAL_MS',
  watchSettleMs: 'KB_WATCH_SETTLE_MS',
} as const satisfies Record<keyof typeof INTAKE_SETTINGS, string>;

/** What web intake needs of the configuration. */
export type WebSettings = {
  [K in Exclude<keyof typeof INTAKE_SETTINGS, `watch${string}`>]: z.infer<(typeof INTAKE_SETTINGS)[K]>;
} & { maxFileBytes: number };
