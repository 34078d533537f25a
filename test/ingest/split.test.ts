import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../ingest/assemble.js';
import type { Block } from '../../ingest/document.js';
import { split, type SplitOptions } from '../../ingest/split.js';

const word = fc.stringMatching(/^[A-Za-z][a-z]{0,11}$/);
const sentence = fc.array(word, { minLength: 1, maxLength: 40 }).map((ws) => ws.join(' ') + '.');
const paragraph = fc.array(sentence, { minLength: 1, maxLength: 30 }).map((ss) => ss.join(' '));
/** A run-on "sentence" with no full stop, longer than any passage. */
const runOn = fc.array(word, { minLength: 300, maxLength: 900 }).map((ws) => ws.join(' '));
const heading = fc.array(word, { minLength: 1, maxLength: 6 }).map((ws) => ws.join(' '));

const block: fc.Arbitrary<Block> = fc.oneof(
  { weight: 6, arbitrary: paragraph.map((text): Block => ({ kind: 'paragraph', text })) },
  { weight: 2, arbitrary: heading.map((text): Block => ({ kind: 'heading', text, level: 1 })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(heading, fc.integer({ min: 2, max: 3 }))
      .map(([text, level]): Block => ({ kind: 'heading', text, level })),
  },
  { weight: 1, arbitrary: runOn.map((text): Block => ({ kind: 'paragraph', text })) },
);

const document = fc.tuple(fc.array(block, { minLength: 1, maxLength: 25 }), fc.boolean()).map(([blocks, paged]) => {
  let page = 1;
  return blocks.map((b, i) => (paged ? { ...b, page: i > 0 && i % 4 === 0 ? ++page : page } : b));
});

const sizes = fc
  .tuple(fc.integer({ min: 20, max: 120 }), fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 200 }))
  .map(([min, t, m]): SplitOptions => ({ minWords: min, targetWords: min + t, maxWords: min + t + m }));

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

describe('split: invariants on random documents', () => {
  it(
    'every passage is the slice of the text its offsets name; passages are ordered, within size, and never cut a ' +
      'word',
    () => {
      fc.assert(
        fc.property(document, sizes, (blocks, options) => {
          const { text, blocks: placed } = assemble(blocks);
          const passages = split(text, placed, options);
          let previousEnd = 0;
          for (const p of passages) {
            expect(text.slice(p.start, p.end)).toBe(p.text);
            expect(p.start).toBeGreaterThanOrEqual(previousEnd);
            expect(words(p.text)).toBeLessThanOrEqual(options.maxWords);
            expect(p.tokens).toBe(words(p.text));
            expect(p.start === 0 || /\s/.test(text[p.start - 1]!)).toBe(true);
            expect(p.end === text.length || /\s/.test(text[p.end]!)).toBe(true);
            expect(p.text).toBe(p.text.trim());
            previousEnd = p.end;
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it('covers all the content: nothing but whitespace lies outside the passages', () => {
    fc.assert(
      fc.property(document, sizes, (blocks, options) => {
        const { text, blocks: placed } = assemble(blocks);
        const passages = split(text, placed, options);
        let uncovered = '';
        let at = 0;
        for (const p of passages) {
          uncovered += text.slice(at, p.start);
          at = p.end;
        }
        uncovered += text.slice(at);
        expect(uncovered.trim()).toBe('');
      }),
      { numRuns: 300 },
    );
  });

  it('a passage never spans two PDF pages and carries its page', () => {
    fc.assert(
      fc.property(document, sizes, (blocks, options) => {
        const { text, blocks: placed } = assemble(blocks);
        for (const p of split(text, placed, options)) {
          const pages = new Set(placed.filter((b) => b.start < p.end && b.end > p.start).map((b) => b.page ?? null));
          expect(pages.size).toBe(1);
          expect([...pages][0]).toBe(p.page);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('split: structure', () => {
  const options: SplitOptions = { minWords: 20, targetWords: 40, maxWords: 60 };
  const para = (n: number, w = 'word') => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ') + '.';

  it('starts a new passage at a heading and records the heading path as the section', () => {
    const { text, blocks } = assemble([
      { kind: 'heading', text: 'Attendance', level: 1 },
      { kind: 'paragraph', text: para(30) },
      { kind: 'heading', text: 'Persistent absence', level: 2 },
      { kind: 'paragraph', text: para(30) },
      { kind: 'heading', text: 'Admissions', level: 1 },
      { kind: 'paragraph', text: para(30) },
    ]);
    const passages = split(text, blocks, options);
    expect(passages.map((p) => p.section)).toEqual(['Attendance', 'Attendance > Persistent absence', 'Admissions']);
    expect(passages[1]!.text.startsWith('Persistent absence\n\n')).toBe(true);
  });

  it('a short tail of a section joins the passage before it, never the next section', () => {
    // The shape of a bulletin: a section that fills a passage, one more sentence of it, then the next heading.
    const { text, blocks } = assemble([
      { kind: 'heading', text: 'Proposal to develop a trust', level: 1 },
      { kind: 'paragraph', text: para(25, 'trust') },
      { kind: 'paragraph', text: para(20, 'more') },
      { kind: 'paragraph', text: 'We will share firmer proposals shortly.' },
      { kind: 'heading', text: 'Early help strategy', level: 1 },
      { kind: 'paragraph', text: para(30, 'help') },
    ]);
    const passages = split(text, blocks, options);
    const tail = passages.find((p) => p.text.includes('firmer proposals'))!;
    expect(tail.section).toBe('Proposal to develop a trust');
    expect(tail.text).not.toContain('Early help strategy');
    const help = passages.find((p) => p.text.includes('help0'))!;
    expect(help.section).toBe('Early help strategy');
    expect(help.text.startsWith('Early help strategy')).toBe(true);
  });

  it('every heading starts a passage, and a passage is cited under the last heading before its text', () => {
    fc.assert(
      fc.property(document, sizes, (doc, opts) => {
        const { text, blocks } = assemble(doc);
        const passages = split(text, blocks, opts);
        for (const b of blocks.filter((x) => x.kind === 'heading')) {
          const inside = passages.find((p) => b.start > p.start && b.start < p.end);
          if (!inside) continue;
          // Only other headings may come before it in its passage.
          const before = blocks.filter((x) => x.start >= inside.start && x.start < b.start);
          expect(before.every((x) => x.kind === 'heading')).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('cuts a long paragraph at sentence ends', () => {
    const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} has exactly eight words here.`);
    const { text, blocks } = assemble([{ kind: 'paragraph', text: sentences.join(' ') }]);
    const passages = split(text, blocks, options);
    expect(passages.length).toBeGreaterThan(1);
    for (const p of passages) expect(p.text.endsWith('.')).toBe(true);
  });

  it('keeps a short document in one passage, and gives equal text the same fingerprint', () => {
    const a = assemble([{ kind: 'paragraph', text: 'If you require any assistance, please contact the helpdesk.' }]);
    const b = assemble([{ kind: 'paragraph', text: 'If you require any assistance please contact the  Helpdesk' }]);
    const [pa] = split(a.text, a.blocks, options);
    const [pb] = split(b.text, b.blocks, options);
    expect(pa!.text).toBe(a.text);
    expect(pa!.fingerprint).toBe(pb!.fingerprint);
  });
});

describe('split: no passage is longer than its character limit', () => {
  it('a 50,000-character "word" (a pasted blob, a line of dots) is cut into passages of at most maxChars', () => {
    const options: SplitOptions = { minWords: 20, targetWords: 40, maxWords: 60 };
    const blob = 'Q'.repeat(50_000);
    const { text, blocks } = assemble([
      { kind: 'paragraph', text: 'An ordinary opening sentence before the blob.' },
      { kind: 'paragraph', text: `Prefix ${blob} suffix words after it.` },
    ]);
    const passages = split(text, blocks, { ...options, maxChars: 1_000 });
    for (const p of passages) {
      expect(p.text.length).toBeLessThanOrEqual(1_000);
      expect(text.slice(p.start, p.end)).toBe(p.text);
    }
    expect(passages.map((p) => p.text).join('')).toContain('suffix');
    expect(passages.reduce((n, p) => n + p.text.length, 0)).toBeGreaterThanOrEqual(50_000);
    // The default limit follows maxWords: 20 characters a word.
    expect(split(text, blocks, options).every((p) => p.text.length <= 60 * 20)).toBe(true);
  });
});
