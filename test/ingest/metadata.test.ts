import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dateInFileName, extractMetadata, findDate } from '../../ingest/metadata.js';
import { normaliseBlocks } from '../../ingest/normalise.js';
import { loadText } from '../../ingest/loaders/text.js';
import { BULLETINS, HAS_SHARED } from '../helpers.js';

function metaOf(file: string) {
  const loaded = loadText({ name: file, bytes: fs.readFileSync(file) });
  return extractMetadata(loaded, normaliseBlocks(loaded.blocks), path.basename(file));
}

describe('metadata of the real bulletins', () => {
  it.skipIf(!HAS_SHARED)('10 March 2015: title, date, author, kind', () => {
    expect(metaOf(path.join(BULLETINS, '2015-03-10-weekly-update.txt'))).toEqual({
      title: '10 March 2015 weekly update',
      published_at: '2015-03-10',
      author: 'Patrick Leeson',
      kind: 'bulletin',
    });
  });

  it.skipIf(!HAS_SHARED)('26 April 2016: title, date, author, kind', () => {
    expect(metaOf(path.join(BULLETINS, '2016-04-26-weekly-update.txt'))).toEqual({
      title: '26 April 2016 weekly update',
      published_at: '2016-04-26',
      author: 'Patrick Leeson',
      kind: 'bulletin',
    });
  });
});

describe('dates', () => {
  it('takes only dates the text states in full', () => {
    expect(findDate('Published now, for the next three years')).toBeNull();
    expect(findDate('Monday 9 March')).toBeNull();
    expect(findDate('The meeting on 3rd June 2019 agreed')).toBe('2019-06-03');
    expect(findDate('Issued 14/01/2025')).toBe('2025-01-14');
  });

  it('falls back to the e-mail header, then the file properties, then the file name', () => {
    const blocks = [{ kind: 'paragraph' as const, text: 'Nothing dated here at all.' }];
    expect(
      extractMetadata(
        { mime: 'message/rfc822', blocks, headerDate: '2024-03-05', createdDate: '2024-01-01' },
        blocks,
        'x.eml',
      ).published_at,
    ).toBe('2024-03-05');
    expect(
      extractMetadata({ mime: 'application/pdf', blocks, createdDate: '2024-01-01' }, blocks, 'x.pdf').published_at,
    ).toBe('2024-01-01');
    expect(extractMetadata({ mime: 'text/plain', blocks }, blocks, 'notes-2023-11-30.txt').published_at).toBe(
      '2023-11-30',
    );
    expect(dateInFileName('scan-12345678.txt')).toBeNull();
  });
});

describe('kind', () => {
  it('tells bulletins, strategies and other documents apart', () => {
    const kindOf = (title: string, mime = 'application/pdf') =>
      extractMetadata(
        { mime, blocks: [], formatTitle: title },
        [
          { kind: 'heading', text: title },
          { kind: 'paragraph', text: 'Body text.' },
        ],
        'f',
      ).kind;
    expect(kindOf('Early Help Strategy and Three Year Plan')).toBe('strategy');
    expect(kindOf('Vision and Priorities for Improvement 2015-2018')).toBe('strategy');
    expect(kindOf('Shared MIME-info Database')).toBe('other');
    expect(kindOf('Team news', 'message/rfc822')).toBe('bulletin');
  });
});
