import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKbError } from '../../src/errors.js';
import { DEFAULT_LIMITS, type LoaderLimits } from '../../ingest/document.js';
import { detectFormat, load } from '../../ingest/loaders/index.js';
import { HAS_SHARED, PDFS, SAMPLES } from '../helpers.js';
import { makeDocx } from '../fixtures/make-docx.js';
import { makeEml } from '../../data/generate/make-eml.js';
import { makePdf } from '../../data/generate/make-pdf.js';

const limits: LoaderLimits = { ...DEFAULT_LIMITS, parseTimeoutMs: 30_000, parseMemoryMb: 512 };
const raw = (name: string, content: string | Uint8Array) => ({
  name,
  bytes: typeof content === 'string' ? Buffer.from(content) : content,
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKbError(err) ? err.code : err).toBe(code);
}

describe('text loader', () => {
  it('reads paragraphs and headings, and Windows-1252 text', async () => {
    const doc = await load(
      raw(
        'a.txt',
        Buffer.from(
          'Caf\xe9 news\n\nThe caf\xe9 at County Hall reopens on Monday with a new menu for staff and visitors.',
          'latin1',
        ),
      ),
      limits,
    );
    expect(doc.blocks.map((b) => [b.kind, b.text])).toEqual([
      ['heading', 'Café news'],
      ['paragraph', 'The café at County Hall reopens on Monday with a new menu for staff and visitors.'],
    ]);
  });

  it('refuses binary data', async () => {
    await expectCode(load(raw('data.txt', new Uint8Array([0x41, 0, 0x42, 0x43])), limits), 'BINARY_CONTENT');
  });
});

describe('HTML loader', () => {
  it('keeps the main content only, with headings as blocks', async () => {
    const bytes = fs.readFileSync(path.join(SAMPLES, '2024-02-06-weekly-update.html'));
    const doc = await load(raw('b.html', bytes), limits);
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(text).not.toMatch(/Skip to content|Privacy|Cookies|analytics|Home/);
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => [b.text, b.level])).toEqual([
      ['6 February 2024 weekly update', 1],
      ['National Apprenticeship Week 2024', 2],
      ['Have your say on the skills strategy', 2],
      ['Safer Internet Day', 2],
    ]);
    expect(text).toContain('• Answer the ten-minute survey.');
    expect(doc.sourceUrl).toBe('https://www.wealdshire.example/education/bulletins/2024-02-06-weekly-update');
    expect(doc.author).toBe('Helen Marsh');
  });

  it('reads markup nested up to the depth limit, and refuses deeper markup by its depth', async () => {
    const nested = (n: number) =>
      `<!doctype html><html><body>${'<div>'.repeat(n)}Deep content that still ` +
      `counts.${'</div>'.repeat(n)}</body></html>`;
    const doc = await load(raw('deep.html', nested(4_990)), limits);
    expect(doc.blocks.map((b) => b.text)).toEqual(['Deep content that still counts.']);
    const err = await load(raw('deeper.html', nested(5_001)), limits).catch((e: unknown) => e);
    expect(isKbError(err, 'MALFORMED') && err.message).toBe(
      'deeper.html: malformed HTML: markup nested 5,003 levels deep, over the limit of 5,000 (KB_MAX_HTML_DEPTH)',
    );
    const shallow = await load(raw('deep.html', nested(50)), { ...limits, maxHtmlDepth: 60 }).then(
      () => 'read',
      () => 'refused',
    );
    expect(shallow).toBe('read');
    expect(
      await load(raw('deep.html', nested(60)), { ...limits, maxHtmlDepth: 60 }).then(
        () => 'read',
        () => 'refused',
      ),
    ).toBe('refused');
  });
});

describe('e-mail loader', () => {
  it('reads the body and headers, and hands back PDF and DOCX attachments', async () => {
    const pdf = await makePdf({ title: 'Attached plan', sections: [{ paragraphs: ['The attached plan has text.'] }] });
    const docx = await makeDocx({
      title: 'Attached note',
      sections: [{ heading: 'Note', paragraphs: ['A note in Word.'] }],
    });
    const eml = makeEml({
      from: 'Helen Marsh <hm@example.org>',
      subject: 'Weekly update',
      date: 'Tue, 05 Mar 2024 08:30:00 +0000',
      messageId: 'abc123@example.org',
      text: 'Hello colleagues.\n\nThis week we publish the plan.',
      attachments: [
        { fileName: 'plan.pdf', mime: 'application/pdf', bytes: pdf },
        {
          fileName: 'note.docx',
          mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          bytes: docx,
        },
      ],
    });
    const doc = await load(raw('m.eml', eml), limits);
    expect(doc).toMatchObject({
      mime: 'message/rfc822',
      formatTitle: 'Weekly update',
      author: 'Helen Marsh',
      headerDate: '2024-03-05',
      sourceId: 'mid:abc123@example.org',
    });
    expect(doc.blocks.map((b) => b.text)).toEqual(['Hello colleagues.', 'This week we publish the plan.']);
    expect(doc.attachments!.map((a) => [a.fileName, a.bytes.length])).toEqual([
      ['plan.pdf', pdf.length],
      ['note.docx', docx.length],
    ]);
  });

  it('uses the HTML body when there is no plain text', async () => {
    const doc = await load(
      raw(
        'h.eml',
        makeEml({
          from: 'a@b.c',
          subject: 'S',
          date: 'Tue, 05 Mar 2024 08:30:00 +0000',
          messageId: 'x@y',
          html: '<h2>Heading</h2><p>Body text here.</p>',
        }),
      ),
      limits,
    );
    expect(doc.blocks.map((b) => [b.kind, b.text])).toEqual([
      ['heading', 'Heading'],
      ['paragraph', 'Body text here.'],
    ]);
  });
});

describe('PDF loader', () => {
  it('keeps page numbers and drops the running header', async () => {
    const pdf = await makePdf({
      title: 'Test strategy',
      runningHeader: 'County Council: Test strategy',
      sections: [
        { heading: 'First section', paragraphs: ['Apprenticeships are the first subject, on the first page.'] },
        {
          heading: 'Second section',
          newPage: true,
          paragraphs: ['Attendance is the second subject, on the second page.'],
        },
        {
          heading: 'Third section',
          newPage: true,
          paragraphs: ['Admissions are the third subject, on the third page.'],
        },
        {
          heading: 'Fourth section',
          newPage: true,
          paragraphs: ['Exclusions are the fourth subject, on the fourth page.'],
        },
      ],
    });
    const doc = await load(raw('s.pdf', pdf), limits);
    expect(doc.pages).toBe(4);
    expect(doc.formatTitle).toBe('Test strategy');
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(text).not.toContain('County Council: Test strategy');
    expect(text).not.toMatch(/Page \d/);
    const page = (needle: string) => doc.blocks.find((b) => b.text.includes(needle))?.page;
    expect([page('Apprenticeships'), page('Attendance'), page('Admissions'), page('Exclusions')]).toEqual([1, 2, 3, 4]);
  });

  it('refuses a PDF in which no page has text, with recognition (OCR) on and off', async () => {
    const pdf = await makePdf({ title: 'Scan', sections: [], imageOnly: true });
    await expectCode(load(raw('scan.pdf', pdf), limits), 'NO_TEXT_FOUND');
    await expectCode(load(raw('scan.pdf', pdf), { ...limits, ocr: false }), 'NO_TEXT_LAYER');
  });

  it('refuses a truncated PDF, garbage with a PDF header, and a PDF over the page limit', async () => {
    const pdf = await makePdf({ title: 'T', sections: [{ paragraphs: ['Some text.'] }], blankPages: 4 });
    await expectCode(load(raw('cut.pdf', pdf.subarray(0, Math.floor(pdf.length / 3))), limits), 'MALFORMED');
    await expectCode(
      load(raw('junk.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(5000, 0x5a)])), limits),
      'MALFORMED',
    );
    await expectCode(load(raw('long.pdf', pdf), { ...limits, maxPdfPages: 3 }), 'TOO_MANY_PAGES');
  });

  it('stops parsing at the time limit', async () => {
    const pdf = await makePdf({ title: 'T', sections: [{ paragraphs: ['Some text.'] }] });
    await expectCode(load(raw('slow.pdf', pdf), { ...limits, parseTimeoutMs: 1 }), 'PARSE_TIMEOUT');
  });

  it.skipIf(!HAS_SHARED)('reads the real 36-page manual with its pages and without its running header', async () => {
    const doc = await load(raw('libtasn1.pdf', fs.readFileSync(path.join(PDFS, 'libtasn1.pdf'))), limits);
    expect(doc.pages).toBe(36);
    expect(doc.formatTitle).toMatch(/^Libtasn1/);
    const intro = doc.blocks.find((b) => b.kind === 'heading' && b.text === '1 Introduction');
    expect(intro?.page).toBe(4);
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(text).not.toMatch(/^Chapter 2: ASN\.1 structure handling \d+$/m);
  });

  it.skipIf(!HAS_SHARED)('reads the real 17-page specification without its running header', async () => {
    const doc = await load(raw('spec.pdf', fs.readFileSync(path.join(PDFS, 'shared-mime-info-spec.pdf'))), limits);
    expect(doc.pages).toBe(17);
    expect(doc.formatTitle).toBe('Shared MIME-info Database');
    expect(doc.blocks.filter((b) => b.text === 'Shared MIME-info Database')).toHaveLength(0);
    expect(new Set(doc.blocks.map((b) => b.page)).size).toBe(17);
  });
});

describe('DOCX loader', () => {
  it('reads Word headings as sections', async () => {
    const docx = await makeDocx({
      title: 'Inclusion note',
      sections: [{ heading: 'Purpose', paragraphs: ['This note explains the purpose of the inclusion fund.'] }],
    });
    const doc = await load(raw('n.docx', docx), limits);
    expect(doc.blocks).toContainEqual({ kind: 'heading', text: 'Purpose', level: 1 });
    expect(doc.blocks.map((b) => b.text)).toContain('This note explains the purpose of the inclusion fund.');
  });

  it('refuses a damaged DOCX', async () => {
    await expectCode(
      load(raw('bad.docx', Buffer.from('PK\u0003\u0004 this is not really a zip file at all')), limits),
      'MALFORMED',
    );
  });
});

describe('format detection', () => {
  it('trusts the content signature before the extension', () => {
    expect(detectFormat(raw('x.txt', '%PDF-1.4 ...'))).toBe('pdf');
    expect(detectFormat(raw('page', '<!DOCTYPE html><html></html>'))).toBe('html');
    expect(detectFormat(raw('msg', 'From: a@b.c\nSubject: hi\n\nbody'))).toBe('email');
  });

  it('names the problem for unsupported and mislabelled files', () => {
    const code = (f: () => unknown) => {
      try {
        f();
        return 'none';
      } catch (e) {
        return isKbError(e) ? e.code : 'other';
      }
    };
    expect(code(() => detectFormat(raw('photo.gif', 'GIF89a....')))).toBe('UNSUPPORTED_TYPE');
    // An image extension on something that is not an image.
    expect(code(() => detectFormat(raw('photo.png', 'not a picture')))).toBe('MALFORMED');
    expect(code(() => detectFormat(raw('fake.pdf', 'hello')))).toBe('MALFORMED');
    expect(code(() => detectFormat(raw('archive.zip', 'PK\u0003\u0004....')))).toBe('UNSUPPORTED_TYPE');
  });
});
