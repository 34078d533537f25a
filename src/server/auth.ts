import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { KbError } from '../errors.js';

/** True for 127.0.0.0/8 and ::1 (and their IPv4-mapped forms). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || a.startsWith('127.') || a === 'localhost';
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * The check in front of every write route. With a token configured: no or
 * malformed header → 401, wrong token → 403 (compared in constant time).
 * Without one, writes are accepted only from this machine.
 */
export function requireWriteAccess(token: string | undefined) {
  const expected = token ? digest(token) : null;
  return async (req: FastifyRequest): Promise<void> => {
    if (!expected) {
      if (!isLoopback(req.socket.remoteAddress)) throw new KbError('UNAUTHORIZED');
      return;
    }
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new KbError('UNAUTHORIZED');
    if (!timingSafeEqual(digest(m[1]!), expected)) throw new KbError('FORBIDDEN');
  };
}
