import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEml } from '../../data/generate/make-eml.js';
import { makePdf } from '../../data/generate/make-pdf.js';
import { openKb, query, tempDir } from '../helpers.js';

const lexical = (q: string) => ({
  q,
  k: 3,
  mode: 'lexical' as const,
  per_doc: 3,
  repeats: 'collapse' as const,
  as_typed: true,
});

/** An mbox archive as mail programs write it: a "From " line before each message, body "From " lines escaped. */
function mbox(messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.map((m, i) => {
      const body = m
        .toString('latin1')
        .replace(/\r\n/g, '\n')
        .replace(/^(>*From )/gm, '>$1');
      return Buffer.from(`From director@wealdshire.example Tue Mar  ${5 + i} 09:00:00 2024\n${body}\n`, 'latin1');
    }),
  );
}

describe('mail archives (.mbox)', () => {
  it('each message is a document (with its attachments), found by its words; a second run is unchanged', async () => {
    const pdf = await makePdf({
      title: 'Attendance strategy',
      sections: [{ heading: 'Persistent absence', paragraphs: ['Persistent absence fell to 17 per cent in 2023.'] }],
    });
    const archive = mbox([
      makeEml({
        from: 'Helen Marsh <director@wealdshire.example>',
        subject: '5 March 2024 weekly update',
        date: 'Tue, 05 Mar 2024 09:00:00 +0000',
        messageId: 'weekly-2024-03-05@wealdshire.example',
        text: 'From the director: the attendance strategy is attached. Governors meet on 12 March.',
        attachments: [{ fileName: 'attendance-strategy.pdf', mime: 'application/pdf', bytes: pdf }],
      }),
      makeEml({
        from: 'Helen Marsh <director@wealdshire.example>',
        subject: '12 March 2024 weekly update',
        date: 'Tue, 12 Mar 2024 09:00:00 +0000',
        messageId: 'weekly-2024-03-12@wealdshire.example',
        text: 'Free school meals auto-enrolment begins in April for every eligible family.',
      }),
    ]);
    const kb = await openKb({ embedder: 'builtin' });
    try {
      const file = path.join(tempDir(), 'director.mbox');
      fs.writeFileSync(file, archive);
      const first = await kb.ingest([file]);
      expect(first.summary).toMatchObject({ added: 3, failed: 0 });
      const titles = first.results.map((r) => r.title);
      expect(titles).toEqual(['5 March 2024 weekly update', 'Attendance strategy', '12 March 2024 weekly update']);
      expect(first.results[1]!.parent_id).toBe(first.results[0]!.document_id);
      // The escaped "From " line at the start of a body is restored.
      const texts = query<{ text: string }>(kb.config.dataDir, 'SELECT text FROM document_text').map((r) => r.text);
      expect(texts.some((t) => t.includes('From the director: the attendance strategy'))).toBe(true);
      expect(texts.some((t) => t.includes('>From'))).toBe(false);
      const hit = (await kb.search(lexical('free school meals auto-enrolment'))).results[0]!;
      expect(hit.citation).toMatchObject({ title: '12 March 2024 weekly update', date: '2024-03-12' });
      const again = await kb.ingest([file]);
      expect(again.summary).toMatchObject({ added: 0, updated: 0, unchanged: 2, failed: 0 });
    } finally {
      await kb.close();
    }
  });

  it('a message over the size limit fails alone; a .mbox that is not one fails with a coded reason', async () => {
    const big = makeEml({
      from: 'a@wealdshire.example',
      subject: 'Large',
      date: 'Tue, 05 Mar 2024 09:00:00 +0000',
      messageId: 'large@wealdshire.example',
      text: 'word '.repeat(5000),
    });
    const small = makeEml({
      from: 'a@wealdshire.example',
      subject: 'Small note on transport',
      date: 'Wed, 06 Mar 2024 09:00:00 +0000',
      messageId: 'small@wealdshire.example',
      text: 'Home to school transport applications close on 31 March.',
    });
    const kb = await openKb({ embedder: 'builtin', maxFileBytes: 10_000 });
    try {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'archive.mbox'), mbox([big, small]));
      fs.writeFileSync(path.join(dir, 'notes.mbox'), 'These are notes, not a mail archive.');
      const { results } = await kb.ingest([dir]);
      const byId = Object.fromEntries(results.map((r) => [r.source_id.replace(/^.*\/(?=[^/]*\.mbox)/, ''), r]));
      expect(byId['archive.mbox#message/1']).toMatchObject({ status: 'failed', error: { code: 'FILE_TOO_LARGE' } });
      expect(results.find((r) => r.title === 'Small note on transport')?.status).toBe('added');
      expect(byId['notes.mbox']).toMatchObject({
        status: 'failed',
        error: { code: 'MALFORMED', message: expect.stringContaining('"From " line') },
      });
    } finally {
      await kb.close();
    }
  });
});
