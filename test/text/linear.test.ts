import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../ingest/assemble.js';
import { domToBlocks } from '../../ingest/loaders/html.js';
import { pdfPagesToBlocks } from '../../ingest/loaders/pdf-layout.js';
import { classifyBlocks, normaliseBlocks, paragraphs } from '../../ingest/normalise.js';
import { split } from '../../ingest/split.js';
import { findMatches } from '../../src/search/matches.js';
import type { Meter } from '../../src/text/meter.js';
import { sentenceSpans } from '../../src/text/sentences.js';

/**
 * Every text algorithm is linear (or n log n) in its input: the inputs that
 * once froze the service, at size n and 2n, and the steps the algorithm
 * counts (characters examined, tokens handled) must grow about twice, not
 * four times. Steps, not seconds: the answer is the same on a busy machine.
 */
function growth(
  make: (n: number) => string,
  run: (text: string, meter: Meter) => void,
  n: number,
): { ratio: number; steps: number } {
  const small: Meter = { steps: 0 };
  const large: Meter = { steps: 0 };
  const a = make(n);
  run(a, small);
  run(make(2 * n), large);
  return { ratio: large.steps / small.steps, steps: small.steps };
}

/** Plain text the whole way: paragraphs, headings, normalising, assembling, splitting. */
function ingestText(text: string, meter: Meter): void {
  const blocks = normaliseBlocks(classifyBlocks(paragraphs(text, meter)), meter);
  const placed = assemble(blocks);
  split(placed.text, placed.blocks, undefined, undefined, meter);
}

const prose = 'the council will publish its plan for schools and colleges in the county this year';

/**
 * `seen`: steps the meter must at least count at size n (every character of the text, or every element of the markup).
 */
const CASES: {
  name: string;
  make: (n: number) => string;
  run: (text: string, meter: Meter) => void;
  n: number;
  seen?: number;
}[] = [
  {
    name: 'paragraphs that start in lower case, each rejoined to the one before',
    make: (n) => 'Many paragraphs 9 July 2024\n\n' + 'x\n\n'.repeat(n),
    run: ingestText,
    n: 20_000,
  },
  {
    name: 'a million-line word broken by hyphens at every line end',
    make: (n) => 'Hyphens 10 July 2024\n\n' + 'a-\n'.repeat(n),
    run: ingestText,
    n: 50_000,
  },
  { name: 'hard-wrapped prose with no blank lines', make: (n) => `${prose}\n`.repeat(n), run: ingestText, n: 5_000 },
  {
    name: 'a long paragraph followed by a run of full stops and a word',
    make: (n) => `${'word '.repeat(350)}${'.'.repeat(n)}x`,
    run: ingestText,
    n: 40_000,
  },
  {
    name: 'sentences over a passage that ends in a run of full stops',
    make: (n) => `${'Word '.repeat(350)}${'.'.repeat(n)}x more`,
    run: (t, m) => void sentenceSpans(t, 0, t.length, m),
    n: 40_000,
  },
  {
    name: 'sentences of initials and abbreviations',
    make: (n) => 'P. Dr. e.g. '.repeat(n),
    run: (t, m) => void sentenceSpans(t, 0, t.length, m),
    n: 10_000,
  },
  { name: 'one 2 MB "word"', make: (n) => `Blob 9 July 2024\n\n${'Q'.repeat(n)}`, run: ingestText, n: 1_000_000 },
  {
    name: 'HTML: a paragraph of many links',
    make: (n) => `<body><p>${'<a href="/x">link text</a> '.repeat(n)}</p></body>`,
    run: (t, m) => void normaliseBlocks(domToBlocks([parseDocument(t)], new Set(), m), m),
    n: 20_000,
    seen: 20_000 * 10,
  },
  {
    name: 'HTML: one paragraph of many spans',
    make: (n) => `<body><p>${'<span>w</span>'.repeat(n)}</p></body>`,
    run: (t, m) => void normaliseBlocks(domToBlocks([parseDocument(t)], new Set(), m), m),
    n: 50_000,
    seen: 50_000 * 2,
  },
  {
    name: "a query's words in a passage that is one long run of them (joined into one span)",
    make: (n) => 'attendance '.repeat(n),
    run: (t, m) => void findMatches(t, new Set(['attend']), [], m),
    n: 20_000,
  },
  {
    name: "a query's words and a phrase in text that is not ASCII",
    make: (n) => 'café school attendance '.repeat(n),
    run: (t, m) => void findMatches(t, new Set(['cafe', 'attend']), [['school', 'attendance']], m),
    n: 10_000,
  },
  {
    name: 'PDF pages of hyphenated lines',
    make: (n) => Array.from({ length: 20 }, () => 'wo-\n'.repeat(n / 20)).join('\f'),
    run: (t, m) => void pdfPagesToBlocks(t.split('\f'), m),
    n: 20_000,
  },
];

describe('text algorithms grow linearly with their input', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { ratio, steps } = growth(c.make, c.run, c.n);
      expect(steps).toBeGreaterThanOrEqual(c.seen ?? c.make(c.n).length);
      expect(ratio).toBeGreaterThan(1.8);
      expect(ratio).toBeLessThan(2.5);
    });
  }
});
