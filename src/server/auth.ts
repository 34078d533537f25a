import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import type { FastifyRequest } from 'fastify';
import { KbError } from '../errors.js';

/**
 * Who may call the service, and how. Three guards:
 * - the Host header must name this service (closes DNS rebinding: a page on
 *   evil.example whose name now points at 127.0.0.1 sends Host: evil.example);
 * - write routes refuse requests another site's page sent (Origin and
 *   Sec-Fetch-Site), and need a header no cross-site form or "simple"
 *   request can carry: the token, or without one X-Requested-With;
 * - with a token configured, writes need it (compared in constant time).
 */

/** An IP address in 127.0.0.0/8 or ::1 (and IPv4-mapped forms), or the name localhost. Names are not resolved here. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address
    .replace(/^\[|\]$/g, '')
    .replace(/^::ffff:/i, '')
    .toLowerCase();
  if (a === 'localhost') return true;
  if (net.isIPv4(a)) return a.startsWith('127.');
  if (net.isIPv6(a)) return a === '::1' || a === '0:0:0:0:0:0:0:1';
  return false;
}

/** A listen address that is every interface (0.0.0.0, ::). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '[::]';
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The hostname of a Host header value ("Example.org:3000" → "example.org", "[::1]:80" → "::1"). */
export function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}

/**
 * The names this service answers to: its listen address, loopback names, configured names, and (listening on every
 * interface) this machine's names and addresses.
 */
export function allowedHostnames(listenHost: string, configured: readonly string[]): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...configured.map((h) => h.toLowerCase())]);
  const listen = hostnameOf(listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost);
  if (isWildcard(listenHost)) {
    names.add(os.hostname().toLowerCase());
    for (const list of Object.values(os.networkInterfaces()))
      for (const i of list ?? []) names.add(i.address.toLowerCase());
  } else if (listen) names.add(listen);
  return names;
}

/** onRequest guard: refuses a Host header naming another site. */
export function requireKnownHost(listenHost: string, configured: readonly string[]) {
  const allowed = allowedHostnames(listenHost, configured);
  return async (req: FastifyRequest): Promise<void> => {
    const host = req.headers.host;
    if (host === undefined) return;
    const name = hostnameOf(host);
    if (name === null || !allowed.has(name)) throw new KbError('HOST_NOT_ALLOWED', { host: host.slice(0, 100) });
  };
}

/** The request came from another site's page: its Origin is not this service's, or the browser says so. */
export function crossSiteOrigin(req: FastifyRequest, corsOrigins: readonly string[]): string | null {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin !== undefined) {
    if (corsOrigins.includes(origin)) return null;
    const host = req.headers.host;
    const own = host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
    if (!own) return origin;
  }
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    return origin !== undefined && corsOrigins.includes(origin) ? null : (origin ?? `(Sec-Fetch-Site: ${site})`);
  }
  return null;
}

/**
 * The check in front of every write route. A write another site's page
 * sent is refused first. With a token configured: no or malformed header →
 * 401, wrong token → 403 (compared in constant time). Without one, writes
 * are accepted only from this machine, and only with a header a form or a
 * simple cross-site request cannot send (Authorization or X-Requested-With).
 */
export function requireWriteAccess(token: string | undefined, corsOrigins: readonly string[] = []) {
  const expected = token ? digest(token) : null;
  return async (req: FastifyRequest): Promise<void> => {
    const foreign = crossSiteOrigin(req, corsOrigins);
    if (foreign !== null) throw new KbError('CROSS_SITE_WRITE', { origin: foreign.slice(0, 100) });
    if (!expected) {
      if (!isLoopback(req.socket.remoteAddress)) throw new KbError('UNAUTHORIZED');
      if (!req.headers.authorization && !req.headers['x-requested-with']) throw new KbError('WRITE_NEEDS_HEADER');
      return;
    }
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new KbError('UNAUTHORIZED');
    if (!timingSafeEqual(digest(m[1]!), expected)) throw new KbError('FORBIDDEN');
  };
}
