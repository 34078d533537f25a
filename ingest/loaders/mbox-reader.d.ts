declare module 'mbox-reader' {
  import type { Readable } from 'node:stream';
  /** Yields the messages of an mbox stream (mbox-reader's own API; the package has no typings). */
  export function mboxReader(input: Readable, options?: { gz?: boolean }): AsyncIterable<{ content: Buffer }>;
}
