import { KbError } from '../../src/errors.js';

/** What one request may do: its time, its size, its redirects, and who it says it is. */
export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  /** Whether a redirect may lead to this host (the sites given, and those allowed). */
  allowHost: (host: string) => boolean;
}

/** Validators from an earlier fetch of the same address, for a conditional request. */
export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

export type Fetched =
  | { status: 'unchanged'; url: string }
  | {
      status: 'fetched';
      /** The address the answer came from, after redirects. */
      url: string;
      contentType: string;
      bytes: Uint8Array;
      etag: string | null;
      lastModified: string | null;
    };

/** The network error codes that mean the site did not answer, in words. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/**
 * Fetches one address, the one owner of HTTP for intake: a conditional
 * request when validators are known (304 is `unchanged`), redirects followed
 * by hand (each checked against the allowed hosts, loops and their number
 * bounded), the whole exchange within the time limit and the body within the
 * size limit (refused from Content-Length before reading when it says so).
 * Every failure is a coded error naming the address.
 */
export async function fetchBounded(
  address: string,
  limits: FetchLimits,
  validators: Validators = {},
): Promise<Fetched> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const seen = new Set<string>();
  let url = address;
  try {
    for (let hop = 0; ; hop++) {
      seen.add(url);
      const headers: Record<string, string> = {
        'user-agent': limits.userAgent,
        accept: 'text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8',
      };
      if (validators.etag) headers['if-none-match'] = validators.etag;
      if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
      const res = await fetch(url, { headers, redirect: 'manual', signal });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel();
        const location = res.headers.get('location');
        if (!location) throw new KbError('WEB_HTTP_ERROR', { url, status: res.status, detail: 'without a Location' });
        const next = new URL(location, url);
        next.hash = '';
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          throw new KbError('WEB_REDIRECTS', { url: address, detail: `redirected to ${next.protocol} address` });
        if (!limits.allowHost(next.host)) throw new KbError('WEB_OFF_SITE', { url: address, host: next.host });
        if (seen.has(next.href))
          throw new KbError('WEB_REDIRECTS', { url: address, detail: `redirect loop back to ${next.href}` });
        if (hop >= limits.maxRedirects)
          throw new KbError('WEB_REDIRECTS', {
            url: address,
            detail: `more than ${limits.maxRedirects} redirects (KB_WEB_MAX_REDIRECTS)`,
          });
        url = next.href;
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel();
        return { status: 'unchanged', url };
      }
      if (res.status >= 400 || res.status < 200) {
        await res.body?.cancel();
        throw new KbError('WEB_HTTP_ERROR', { url, status: res.status, detail: res.statusText });
      }
      const bytes = await readBody(res, url, limits.maxBytes);
      return {
        status: 'fetched',
        url,
        contentType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase(),
        bytes,
        etag: res.headers.get('etag'),
        lastModified: res.headers.get('last-modified'),
      };
    }
  } catch (err) {
    throw asKbError(err, url, limits, signal);
  }
}

async function readBody(res: Response, url: string, limit: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel();
    throw new KbError('WEB_TOO_LARGE', { url, limit });
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > limit) throw new KbError('WEB_TOO_LARGE', { url, limit });
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, size);
}

function asKbError(err: unknown, url: string, limits: FetchLimits, signal: AbortSignal): KbError {
  if (err instanceof KbError) return err;
  if (signal.aborted) return new KbError('WEB_TIMEOUT', { url, limit: limits.timeoutMs });
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (err as NodeJS.ErrnoException)?.code;
  if (err instanceof TypeError && /invalid url/i.test(err.message))
    return new KbError('WEB_BAD_URL', { url, detail: err.message });
  const detail = (code && UNREACHABLE[code]) ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new KbError('WEB_UNREACHABLE', { url, detail: code ? `${detail}, ${code}` : detail });
}
