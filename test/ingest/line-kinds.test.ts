import { describe, expect, it } from 'vitest';
import { cannotBeHeading, isContentsLine, isDateLine, looksLikeCode } from '../../ingest/line-kinds.js';
import { classifyBlocks, looksLikeHeading } from '../../ingest/normalise.js';
import { pdfPagesToBlocks } from '../../ingest/loaders/pdf-layout.js';

describe('lines that are not headings', () => {
  // Lines of the specifications and manuals in ../shared/corpus/pdfs that a prose heading test took for headings.
  it.each([
    '4 CARD32 ICON_NAME_OFFSET',
    '2 CARD16 MAJOR_VERSION 1',
    'Version ::= INTEGER',
    'LEN = strlen(VALUE)+1',
    '55:text/x-diff:*.patch',
    '0:text/x-diff:__NOGLOBS__',
    'DEFINITIONS <EXPLICIT or IMPLICIT> TAGS ::=',
    'Report bugs to: help-libtasn1@gnu.org',
    'Usage: asn1Coding [OPTION] DEFINITIONS ASSIGNMENTS',
    'X Desktop Group (http://www.freedesktop.org)',
    'MIME-Type ":" icon-name "\\n"',
  ])('%j is code or a table row', (line) => {
    expect(looksLikeCode(line)).toBe(true);
    expect(looksLikeHeading(line)).toBe(false);
  });

  it.each([
    'Early Help Strategy and Three Year Plan',
    '2.10. Storing the MIME type using Extended Attributes',
    'ADDENDUM: How to use this License for your documents',
    'KS2 results and Year 10 options',
    'Budget 2015/16: what changes',
    'Special educational needs (SEN) support',
  ])('%j can be a heading', (line) => {
    expect(looksLikeCode(line)).toBe(false);
    expect(cannotBeHeading(line)).toBe(false);
  });

  it('a date on its own line is not a heading; nor is a single letter (an index)', () => {
    for (const d of ['26 April 2016', 'Tuesday 9 March 2015', 'March 2015', '10/03/2015', '2016-04-26'])
      expect(isDateLine(d), d).toBe(true);
    expect(isDateLine('26 April 2016 weekly update')).toBe(false);
    expect(cannotBeHeading('S')).toBe(true);
    const blocks = classifyBlocks(['26 April 2016', 'This week, Patrick briefly summarises the Early Help Strategy.']);
    expect(blocks[0]!.kind).toBe('paragraph');
  });
});

describe('contents lines', () => {
  it.each([
    '1 Introduction . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . 2',
    '4.5 Auxilliary functions . . . . . . . . . . . . . 22',
    'asn1_array2tree . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . 9',
    '. . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . 4',
    'Preface.............................iv',
    '. . . . . . . . . . . . . . . . . .',
  ])('%j is a contents line', (line) => {
    expect(isContentsLine(line)).toBe(true);
  });

  it.each(['Wait for it...', 'The figures rose by 2.5 per cent in 2015.', 'See section 4.1.2.3 for details.'])(
    '%j is not',
    (line) => {
      expect(isContentsLine(line)).toBe(false);
    },
  );

  it('a PDF contents page leaves no contents line in any block', () => {
    const page = [
      'Table of Contents',
      '1 Introduction . . . . . . . . . . . . . . . . . . . . . . . . 2',
      '2 ASN.1 structure handling . . . . . . . . . . . . . . . . . . 3',
      '2.1 ASN.1 syntax . . . . . . . . . . . . . . . . . . . . . . .',
      '. . . . . . . . . . . . 3',
    ].join('\n');
    const body = '1 Introduction\nThis document describes the Libtasn1 library that provides Abstract Syntax Notation.';
    const blocks = pdfPagesToBlocks([page, body]);
    for (const b of blocks) for (const line of b.text.split('\n')) expect(isContentsLine(line)).toBe(false);
    expect(blocks.some((b) => b.text.includes('This document describes'))).toBe(true);
  });
});
