import { describe, expect, it } from 'vitest';
import { classifyBlocks, joinLines, normaliseBlocks, paragraphs } from '../../ingest/normalise.js';
import { pdfPagesToBlocks } from '../../ingest/loaders/pdf-layout.js';
import { sentenceSpans } from '../../src/text/sentences.js';

describe('normalise', () => {
  it('rejoins a sentence a page scrape broke across a blank line', () => {
    const blocks = normaliseBlocks(
      classifyBlocks(
        paragraphs(
          'As you may recall, in May 2014 we set out our strategy. We have had a\n\nproductive time since ' +
            'introducing the new model.',
        ),
      ),
    );
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.text).toBe(
      'As you may recall, in May 2014 we set out our strategy. We have had a productive time since introducing ' +
        'the new model.',
    );
  });

  it('does not join a finished sentence to the next paragraph', () => {
    const blocks = normaliseBlocks(
      classifyBlocks(paragraphs('The first paragraph ends here.\n\nthe second starts in lower case.')),
    );
    expect(blocks).toHaveLength(2);
  });

  it('unifies whitespace and drops "Skip to content"', () => {
    const blocks = normaliseBlocks(classifyBlocks(paragraphs('Skip to content\n\nA\u00a0message   with\ttabs.')));
    expect(blocks.map((b) => b.text)).toEqual(['A message with tabs.']);
  });

  it('removes hyphenation at line ends but keeps real hyphens', () => {
    expect(joinLines(['Distinguished Encoding Rules (DER) manip-', 'ulation of the 2014-', 'Kent data'])).toBe(
      'Distinguished Encoding Rules (DER) manipulation of the 2014- Kent data',
    );
  });

  it('takes a short line before a substantial paragraph as a heading, but not a salutation or a signature', () => {
    const blocks = classifyBlocks(
      paragraphs(
        'National Apprenticeship Week\n\nNational Apprenticeship Week began on Monday 9 March, and the Skills ' +
          'and Employability Service are promoting activities all week.\n\nDear Colleagues\n\nAs you may be aware ' +
          'I spoke at the last round of Heads Briefings about developing an Education Trust.\n\nPatrick ' +
          'Leeson\n\nCorporate Director.',
      ),
    );
    expect(blocks.map((b) => b.kind)).toEqual([
      'heading',
      'paragraph',
      'paragraph',
      'paragraph',
      'paragraph',
      'paragraph',
    ]);
  });
});

describe('PDF page layout', () => {
  const page = (n: number, body: string[]) => ['Council Strategy 2024', ...body, `Page ${n}`].join('\n');

  it('drops running headers and page numbers repeated on many pages', () => {
    const bodies = [
      'Attendance improved in every district over the autumn term.',
      'Apprenticeship starts by young people rose by a tenth last year.',
      'Specialist places will open in twelve mainstream schools.',
      'Family hubs bring health visitors and early help under one roof.',
    ];
    const pages = bodies.map((body, i) => page(i + 1, [body]));
    const blocks = pdfPagesToBlocks(pages);
    expect(blocks.map((b) => [b.text, b.page])).toEqual(bodies.map((body, i) => [body, i + 1]));
  });

  it('groups lines into paragraphs and finds numbered headings', () => {
    const blocks = pdfPagesToBlocks([
      [
        '2.1 Naming',
        'The parser is case sensitive. The comments begin with two dashes and end either with another',
        'two dashes or at the end of the line.',
        '• INTEGER;',
        '• BOOLEAN;',
      ].join('\n'),
    ]);
    expect(blocks[0]).toMatchObject({ kind: 'heading', text: '2.1 Naming', level: 2, page: 1 });
    expect(blocks.slice(1).map((b) => b.text)).toEqual([
      'The parser is case sensitive. The comments begin with two dashes and end either with another two dashes ' +
        'or at the end of the line.',
      '• INTEGER;',
      '• BOOLEAN;',
    ]);
  });
});

describe('sentences', () => {
  it('splits at sentence ends, not at abbreviations or initials', () => {
    const text = 'Cllr. Smith met Dr. Jones on 3 May. They agreed, e.g. on funding. P. Leeson wrote it! Done?';
    const spans = sentenceSpans(text).map((s) => text.slice(s.start, s.end));
    expect(spans).toEqual([
      'Cllr. Smith met Dr. Jones on 3 May.',
      'They agreed, e.g. on funding.',
      'P. Leeson wrote it!',
      'Done?',
    ]);
  });
});
