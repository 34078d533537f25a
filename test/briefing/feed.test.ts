import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kb as runKb, serveSamples, tempDir } from '../helpers.js';

interface Entry {
  id: string;
  title: string;
  updated: string;
  link: { '@_href': string }[];
  content: { '#text': string; '@_type': string };
}

/** Followed searches: an Atom feed of a search's newest passages, and kb search --since for scripts. */
describe('followed searches', () => {
  let served: Awaited<ReturnType<typeof serveSamples>>;
  let base: string;
  const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'entry' || name === 'link' });
  const feed = async (query: string) => {
    const res = await fetch(`${base}api/feed?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    const doc = parser.parse(await res.text()) as { feed: { title: string; entry?: Entry[]; link: unknown[] } };
    return doc.feed;
  };

  beforeAll(async () => {
    served = await serveSamples();
    base = served.running.url;
  });
  afterAll(() => served?.running.close());

  it('is valid Atom: the newest passages with the words first, each linking to its passage', async () => {
    const f = await feed('q=apprenticeships');
    expect(f.title).toContain('apprenticeships');
    const entries = f.entry!;
    expect(entries.length).toBeGreaterThan(2);
    const dates = entries.map((e) => e.updated);
    expect(dates).toEqual([...dates].sort().reverse());
    for (const e of entries) {
      expect(e.link[0]!['@_href']).toMatch(new RegExp(`^${base}documents/\\d+\\?passage=\\d+#passage-\\d+$`));
      expect(e.content['@_type']).toBe('text');
      expect(e.content['#text'].toLowerCase()).toMatch(/apprentice/);
    }
  });

  it('a new bulletin that mentions the words comes first in the feed, and in kb search --since', async () => {
    const dir = tempDir();
    const file = path.join(dir, '2026-03-03-weekly-update.txt');
    fs.writeFileSync(
      file,
      '3 March 2026 weekly update\n\nApprenticeships in the care sector\n\n' +
        'Forty new apprenticeships in adult social care open this spring across the county.',
    );
    await served.kb.ingest([file]);
    const first = (await feed('q=apprenticeships')).entry![0]!;
    expect(first.updated).toBe('2026-03-03T00:00:00Z');
    expect(first.content['#text']).toContain('Forty new apprenticeships in adult social care');
    // since= keeps only what is newer.
    const since = await feed('q=apprenticeships&since=2026-01-01');
    expect(since.entry!.map((e) => e.updated)).toEqual(['2026-03-03T00:00:00Z']);
    const cli = runKb([
      '--data',
      served.config.dataDir,
      '--json',
      'search',
      'apprenticeships',
      '--since',
      '2026-01-01',
    ]);
    expect(cli.code).toBe(0);
    expect(cli.json()[0]!.results.map((r: { citation: { date: string } }) => r.citation.date)).toEqual(['2026-03-03']);
  });
});
