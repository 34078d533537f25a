import { inflateRawSync } from 'node:zlib';
import { KbError } from '../../src/errors.js';

/**
 * Checks a ZIP container (a DOCX) before anything unpacks it: the central
 * directory must be readable, and the parts that will be read must unpack,
 * really, not just by their declared sizes, to at most `maxBytes` in all.
 * Pictures (word/media/) are never unpacked: the DOCX loader skips them.
 * A zip bomb fails here, having cost at most `maxBytes` of memory.
 */
export function checkZip(
  bytes: Uint8Array,
  file: string,
  maxBytes: number,
  skip: (name: string) => boolean = () => false,
): { entries: number; unpacked: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const malformed = (detail: string) => new KbError('MALFORMED', { file, format: 'DOCX', detail });
  // End of central directory: 22 bytes plus a comment of up to 65,535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65_535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw malformed('no ZIP central directory (the file is cut short or is not a ZIP)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw malformed('ZIP64 containers are not read');
  if (cdOffset + cdSize > eocd) throw malformed('the central directory points outside the file');
  let unpacked = 0;
  let declared = 0;
  let at = cdOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50)
      throw malformed(`entry ${n + 1} of the central directory is damaged`);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    const local = buf.readUInt32LE(at + 42);
    at = next;
    if (skip(name) || name.endsWith('/')) continue;
    declared += size;
    if (declared > maxBytes)
      throw new KbError('ARCHIVE_TOO_LARGE', {
        file,
        limit: maxBytes,
        detail: `its parts declare ${declared} bytes by ${name}`,
      });
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50)
      throw malformed(`the data of ${name} is missing`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + compressed);
    if (data.length < compressed) throw malformed(`${name} is cut short`);
    if (method === 0) unpacked += compressed;
    else if (method === 8) {
      try {
        unpacked += inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes - unpacked + 1) }).length;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new KbError('ARCHIVE_TOO_LARGE', { file, limit: maxBytes, detail: `${name} alone unpacks past it` });
        }
        throw malformed(`${name} cannot be unpacked: ${(err as Error).message}`);
      }
    } else throw malformed(`${name} uses an unsupported compression method (${method})`);
    if (unpacked > maxBytes)
      throw new KbError('ARCHIVE_TOO_LARGE', { file, limit: maxBytes, detail: `its parts unpack to more by ${name}` });
  }
  return { entries: count, unpacked };
}
