import { describe, expect, it } from 'vitest';
import { assemble } from '../../ingest/assemble.js';
import { blockFingerprints, repeatedBlocks } from '../../ingest/repeated-text.js';
import type { Block } from '../../ingest/document.js';
import { split } from '../../ingest/split.js';
import { collapseRepeatedText, standingLast } from '../../src/search/repeated-text.js';
import { bucketByMonth } from '../../src/search/timeline.js';
import { fingerprint } from '../../src/text/words.js';

const para = (text: string): Block => ({ kind: 'paragraph', text });
const heading = (text: string, level = 1): Block => ({ kind: 'heading', text, level });
const words = (topic: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${topic}${i % 7 === 6 ? '.' : ''}`).join(' ');
const SIGN_OFF = 'If you require any assistance please contact the Education Helpdesk on 0300 041 2000.';

describe('fingerprints of repeated text', () => {
  it('are equal for text that differs only in whitespace, punctuation, case and accents', () => {
    const a = fingerprint('If you require any assistance, please contact the Education Helpdesk on 0300 041 2000.');
    expect(fingerprint('if you require any  assistance please contact the\neducation helpdesk on 0300-041-2000')).toBe(
      a,
    );
    const ellipsis = 'If you require any assistance… please contact the Education Helpdesk on 0300 041 2000!';
    expect(fingerprint(ellipsis)).toBe(a);
    expect(fingerprint('Café')).toBe(fingerprint('cafe'));
  });

  it('differ when a word differs', () => {
    expect(fingerprint('please contact the Education Helpdesk on 0300 041 2000')).not.toBe(
      fingerprint('please contact the Education Helpdesk on 0300 041 2001'),
    );
    expect(fingerprint('please contact the helpdesk')).not.toBe(fingerprint('please contact the help desk'));
  });
});

describe('recognising repeated paragraphs at ingest', () => {
  const doc = (topic: string, signOff = SIGN_OFF) =>
    assemble([heading(`${topic} news`), para(words(topic, 60)), para(signOff), para('Helen Marsh')]);

  it('keeps paragraphs found in other documents apart, with a shared heading that leads into them', () => {
    const { blocks } = assemble([
      heading('Standing items'),
      para(SIGN_OFF),
      heading('Our news'),
      para(words('attendance', 120)),
    ]);
    const fps = blockFingerprints(blocks);
    expect(repeatedBlocks(blocks, fps, new Set([fps[0]!, fps[1]!]))).toEqual(new Set([0, 1]));
    // A shared heading before an original paragraph is not kept apart.
    expect(repeatedBlocks(blocks, fps, new Set([fps[1]!, fps[2]!]))).toEqual(new Set([1]));
    expect(repeatedBlocks(blocks, fps, new Set())).toEqual(new Set());
  });

  it('treats a document mostly made of shared text as a copy: nothing is kept apart', () => {
    const { blocks } = doc('attendance');
    const fps = blockFingerprints(blocks);
    expect(repeatedBlocks(blocks, fps, new Set(fps))).toEqual(new Set());
    expect(repeatedBlocks(blocks, fps, new Set([fps[1]!]))).toEqual(new Set());
  });

  it('gives the shared paragraphs a passage of their own, so every copy has the same fingerprint', () => {
    const options = { minWords: 20, targetWords: 200, maxWords: 300 };
    const a = doc('attendance');
    const b = doc(
      'admissions',
      `  if you require any assistance, please contact the Education Helpdesk on 0300 041 2000`,
    );
    const fa = blockFingerprints(a.blocks);
    const fb = blockFingerprints(b.blocks);
    // Unaware of each other, the sign-off is merged into the content passage.
    const before = split(a.text, a.blocks, options);
    expect(before).toHaveLength(1);
    const shared = new Set(fa.filter((f) => fb.includes(f)));
    expect(shared.size).toBe(2); // the sign-off and the name
    const pa = split(a.text, a.blocks, options, repeatedBlocks(a.blocks, fa, shared));
    const pb = split(b.text, b.blocks, options, repeatedBlocks(b.blocks, fb, shared));
    expect(pa.map((p) => p.text)).toEqual([a.text.slice(0, a.blocks[1]!.end), SIGN_OFF, 'Helen Marsh']);
    expect(pb).toHaveLength(3);
    expect(pa[1]!.fingerprint).toBe(pb[1]!.fingerprint);
    expect(pa[2]!.fingerprint).toBe(pb[2]!.fingerprint);
    expect(pa[1]!.section).toBeNull(); // not part of the last item's section
    expect(pa[0]!.fingerprint).not.toBe(pb[0]!.fingerprint);
    for (const p of [...pa, ...pb]) expect(p.end).toBeGreaterThan(p.start);
    expect(pa.map((p) => a.text.slice(p.start, p.end))).toEqual(pa.map((p) => p.text));
  });
});

describe('collapsing repeated text in a ranking', () => {
  it('keeps the best-ranked passage of each text, in order', () => {
    const ranked = [
      { id: 1, fingerprint: 'a' },
      { id: 2, fingerprint: 'b' },
      { id: 3, fingerprint: 'a' },
      { id: 4, fingerprint: 'c' },
      { id: 5, fingerprint: 'b' },
    ];
    expect(collapseRepeatedText(ranked).map((r) => r.id)).toEqual([1, 2, 4]);
    expect(collapseRepeatedText([])).toEqual([]);
  });

  it('moves standing text below the original text of the page, keeping both orders', () => {
    const page = [
      { id: 1, s: true },
      { id: 2, s: false },
      { id: 3, s: true },
      { id: 4, s: false },
    ];
    expect(standingLast(page, (x) => x.s).map((x) => x.id)).toEqual([2, 4, 1, 3]);
    expect(standingLast(page.slice(0, 1), (x) => x.s).map((x) => x.id)).toEqual([1]);
  });
});

describe('bucketing mentions by month', () => {
  const item = (id: number, date: string | null) => ({ id, date });

  it('groups by month, oldest first, fills the months between with zero, and marks the first and latest', () => {
    const t = bucketByMonth([
      item(1, '2024-03-20'),
      item(2, '2024-01-09'),
      item(3, null),
      item(4, '2024-03-05'),
      item(5, '2024-05-31'),
    ]);
    expect(t.months.map((m) => [m.month, m.count])).toEqual([
      ['2024-01', 1],
      ['2024-02', 0],
      ['2024-03', 2],
      ['2024-04', 0],
      ['2024-05', 1],
    ]);
    expect(t.months[2]!.items.map((i) => i.id)).toEqual([4, 1]);
    expect(t.first?.id).toBe(2);
    expect(t.latest?.id).toBe(5);
    expect(t.undated.map((i) => i.id)).toEqual([3]);
  });

  it('crosses year ends and counts every item once', () => {
    const items = [item(1, '2023-11-30'), item(2, '2024-02-01'), item(3, '2024-02-01')];
    const t = bucketByMonth(items);
    expect(t.months.map((m) => m.month)).toEqual(['2023-11', '2023-12', '2024-01', '2024-02']);
    expect(t.months.reduce((n, m) => n + m.count, 0)).toBe(3);
    expect(t.latest?.id).toBe(3); // equal dates: the later in input order
  });

  it('lists only months with mentions when the span is too long to fill', () => {
    const t = bucketByMonth([item(1, '1990-01-01'), item(2, '2024-01-01')], { maxFilled: 120 });
    expect(t.months.map((m) => m.month)).toEqual(['1990-01', '2024-01']);
  });

  it('handles nothing, and only undated items', () => {
    expect(bucketByMonth([])).toEqual({ months: [], undated: [], first: null, latest: null });
    const t = bucketByMonth([item(1, null), item(2, 'not a date')]);
    expect(t.months).toEqual([]);
    expect(t.first).toBeNull();
    expect(t.undated).toHaveLength(2);
  });
});
