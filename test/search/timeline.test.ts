import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { buildApp } from '../../src/server/app.js';
import type { Pipeline } from '../../ingest/pipeline.js';
import { query, tempDir, writeFile } from '../helpers.js';
import { makeEml } from '../../data/generate/make-eml.js';
import { makePdf } from '../../data/generate/make-pdf.js';

/**
 * A small collection made for these tests: five bulletins over eight months,
 * each signed off with the same words (spaced and punctuated differently),
 * one paragraph carried into the next bulletin, and a strategy PDF attached
 * to the last bulletin's e-mail.
 */
const SIGN_OFFS = [
  'If you require any assistance please contact the Education Helpdesk on 0300 041 2000.',
  'If you require any assistance, please contact the Education Helpdesk on 0300 041 2000',
  'If you require  any assistance please contact the education helpdesk on 0300-041-2000.',
  'If you require any assistance please contact the Education Helpdesk on 0300 041 2000!',
  'If you require any assistance please contact the Education Helpdesk on 0300 041 2000.',
];
const CARRIED =
  'Reminder: families have until 15 January to apply for a secondary school place, and late admissions ' +
  'applications are considered only after all on-time ones have been allocated.';
const BULLETINS: { date: string; sections: [string, string][]; carried?: boolean }[] = [
  {
    date: '2023-11-07',
    sections: [
      [
        'School meals',
        'Free school meals take-up rose to 91% this autumn after the auto-enrolment pilot, and catering teams ' +
          'served more hot lunches than in any term before.',
      ],
      [
        'Apprenticeships in care',
        'Our first apprenticeships in social care begin in January, with twelve young people employed by the ' +
          'council and paid while they train in residential homes.',
      ],
    ],
  },
  {
    date: '2024-01-09',
    carried: true,
    sections: [
      [
        'Attendance',
        'Persistent absence in secondary schools fell from 24% to 21% in the autumn term, thanks to attendance ' +
          'officers and pastoral teams who called families every morning.',
      ],
    ],
  },
  {
    date: '2024-01-23',
    carried: true,
    sections: [
      [
        'Apprenticeship levy',
        'Schools that pay the apprenticeship levy can transfer unspent funds to small employers; last year the ' +
          'transfers paid for 180 apprenticeships in care and construction.',
      ],
    ],
  },
  {
    date: '2024-03-05',
    sections: [
      [
        'National Apprenticeship Week',
        'During National Apprenticeship Week colleges and employers held open days so that young people could ' +
          'see what apprenticeships offer: a wage, a qualification and real work.',
      ],
    ],
  },
  {
    date: '2024-06-11',
    sections: [
      [
        'Summer term',
        'Exam season is under way. Please make sure pupils know who they can talk to, that quiet rooms are ' +
          'available, and that staff look out for the young people who go quiet.',
      ],
    ],
  },
];
const LONG_DATE = (iso: string) =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

function bulletinText(b: (typeof BULLETINS)[number], i: number): string {
  const body = b.sections.map(([h, p]) => `${h}\n\n${p} ${p}`).join('\n\n');
  return [
    `${LONG_DATE(b.date)} weekly update`,
    body,
    b.carried ? `Admissions\n\n${CARRIED}` : '',
    SIGN_OFFS[i]!,
    'Helen Marsh\nCorporate Director, Children, Young People and Education',
  ]
    .filter(Boolean)
    .join('\n\n');
}

describe('what we said over time: repeated text, timelines, attachments and related passages', () => {
  let kb: KnowledgeBase;
  let app: FastifyInstance;
  let pipeline: Pipeline;
  const ids: number[] = [];
  let attachmentId = 0;
  let firstSectionPassage = 0;

  beforeAll(async () => {
    const config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent', maxTimeline: 300 });
    kb = await KnowledgeBase.open(config, silentLogger);
    pipeline = kb.pipeline;
    const dir = tempDir();
    for (const [i, b] of BULLETINS.entries()) {
      let file: string;
      if (i === BULLETINS.length - 1) {
        const pdf = await makePdf({
          title: 'Skills and Apprenticeships Strategy 2024 to 2027',
          created: new Date('2024-06-11T09:00:00Z'),
          sections: [
            {
              heading: '1. Apprenticeships for every young person',
              paragraphs: [
                'We will double the number of apprenticeships offered by schools and the council by 2027, with a ' +
                  'guaranteed interview for every care leaver who applies for one.',
              ],
            },
          ],
        });
        file = writeFile(
          dir,
          `${b.date}-weekly-update.eml`,
          makeEml({
            from: 'Helen Marsh <director.education@wealdshire.example>',
            subject: `${LONG_DATE(b.date)} weekly update`,
            date: new Date(`${b.date}T08:00:00Z`).toUTCString(),
            messageId: `bulletin-${b.date}@wealdshire.example`,
            text: bulletinText(b, i),
            attachments: [{ fileName: 'skills-strategy.pdf', mime: 'application/pdf', bytes: pdf }],
          }),
        );
      } else file = writeFile(dir, `${b.date}-weekly-update.txt`, bulletinText(b, i));
      const results = await pipeline.ingestFile(file);
      for (const r of results) expect(r.status, JSON.stringify(r)).toBe('added');
      ids.push(results[0]!.document_id!);
      if (results[1]) attachmentId = results[1].document_id!;
      if (i === 0) firstSectionPassage = kb.store.documents.passagesOf(ids[0]!)[0]!.id;
    }
    await kb.refresh();
    app = await buildApp({ config: kb.config, kb, log: silentLogger });
  });
  afterAll(async () => {
    await app?.close();
    await kb?.close();
  });

  const get = async (url: string) => {
    const res = await app.inject({ url });
    return { status: res.statusCode, body: res.json() };
  };
  const signOffs = () =>
    query<{ id: number; doc_id: number; fingerprint: string; text: string }>(
      kb.config.dataDir,
      "SELECT id, doc_id, fingerprint, text FROM passages WHERE text LIKE 'If you require%' ORDER BY doc_id",
    );

  describe('repeated text', () => {
    it(
      'gives the sign-off a passage of its own in every bulletin, the first one too, with one fingerprint despite ' +
        'spacing and punctuation',
      () => {
        const rows = signOffs();
        expect(rows.map((r) => r.doc_id)).toEqual(ids);
        expect(new Set(rows.map((r) => r.fingerprint)).size).toBe(1);
        expect(rows[2]!.text).toContain('0300-041-2000');
        // The first bulletin was split again when the second arrived: its untouched passage kept its id.
        expect(kb.store.documents.passagesOf(ids[0]!)[0]!.id).toBe(firstSectionPassage);
        expect(kb.store.check()).toEqual([]);
      },
    );

    it('counts the documents that carry it, with the first and last dates', () => {
      const [row] = query(
        kb.config.dataDir,
        'SELECT * FROM repeated_text WHERE fingerprint = ?',
        signOffs()[0]!.fingerprint,
      );
      expect(row).toEqual({
        fingerprint: signOffs()[0]!.fingerprint,
        documents: 5,
        passages: 5,
        first_date: '2023-11-07',
        last_date: '2024-06-11',
      });
    });

    it('search collapses it into one hit saying how many documents carry it, below original text', async () => {
      const { status, body } = await get('/api/search?q=assistance%20helpdesk%20apprenticeships&k=10&per_doc=5');
      expect(status).toBe(200);
      const copies = body.results.filter((h: { text: string }) => h.text.startsWith('If you require'));
      expect(copies).toHaveLength(1);
      const hit = copies[0];
      expect(hit.repeated).toMatchObject({
        documents: 5,
        passages: 5,
        first: '2023-11-07',
        last: '2024-06-11',
        standing: true,
        url: `/api/passages/${hit.passage_id}/repeats`,
      });
      const at = body.results.indexOf(hit);
      expect(
        body.results.slice(at + 1).every((h: { repeated: { standing: boolean } | null }) => h.repeated?.standing),
      ).toBe(true);
      expect(at).toBeGreaterThan(0);
    });

    it('shows every copy with repeats=all', async () => {
      const { body } = await get('/api/search?q=assistance%20helpdesk&k=10&per_doc=5&repeats=all');
      const copies = body.results.filter((h: { text: string }) => h.text.startsWith('If you require'));
      expect(copies).toHaveLength(5);
      expect(copies.every((h: { repeated: { documents: number } }) => h.repeated.documents === 5)).toBe(true);
    });

    it('collapses text carried into one other bulletin without moving it down', async () => {
      const { body } = await get('/api/search?q=admissions%20deadline%20families&k=5');
      const carried = body.results.filter((h: { text: string }) => h.text.includes('Reminder: families'));
      expect(carried).toHaveLength(1);
      expect(carried[0].repeated).toMatchObject({
        documents: 2,
        standing: false,
        first: '2024-01-09',
        last: '2024-01-23',
      });
      expect(body.results[0].text).toContain('Reminder: families');
    });

    it('lists every passage with the same words, oldest first', async () => {
      const one = signOffs()[3]!;
      const { status, body } = await get(`/api/passages/${one.id}/repeats`);
      expect(status).toBe(200);
      expect(body.total).toBe(5);
      expect(body.results.map((h: { citation: { date: string } }) => h.citation.date)).toEqual(
        BULLETINS.map((b) => b.date),
      );
      expect((await get('/api/passages/999999/repeats')).body.error.code).toBe('PASSAGE_NOT_FOUND');
    });

    it('recounts when a bulletin goes, and drops text left in one document', async () => {
      const { pipeline: p2, kb: kb2 } = await (async () => {
        const config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent' });
        const k = await KnowledgeBase.open(config, silentLogger);
        return { kb: k, pipeline: k.pipeline };
      })();
      try {
        const dir = tempDir();
        const a = (await p2.ingestFile(writeFile(dir, 'a.txt', bulletinText(BULLETINS[0]!, 0))))[0]!.document_id!;
        const b = (await p2.ingestFile(writeFile(dir, 'b.txt', bulletinText(BULLETINS[1]!, 1))))[0]!.document_id!;
        const c = (await p2.ingestFile(writeFile(dir, 'c.txt', bulletinText(BULLETINS[3]!, 3))))[0]!.document_id!;
        const counts = () =>
          query(
            kb2.config.dataDir,
            'SELECT documents, first_date, last_date FROM repeated_text ORDER BY documents DESC',
          );
        expect(counts()).toContainEqual({ documents: 3, first_date: '2023-11-07', last_date: '2024-03-05' });
        p2.delete(c);
        expect(counts()).toContainEqual({ documents: 2, first_date: '2023-11-07', last_date: '2024-01-09' });
        p2.delete(b);
        expect(counts()).toEqual([]);
        expect(kb2.store.check()).toEqual([]);
        expect(a).toBeGreaterThan(0);
      } finally {
        await kb2.close();
      }
    });
  });

  describe('timeline', () => {
    it('groups passages with the words by month, months between included, first and latest marked', async () => {
      const { status, body } = await get('/api/timeline?q=apprenticeships&mode=lexical');
      expect(status).toBe(200);
      expect(body.months.map((m: { month: string }) => m.month)).toEqual([
        '2023-11',
        '2023-12',
        '2024-01',
        '2024-02',
        '2024-03',
        '2024-04',
        '2024-05',
        '2024-06',
      ]);
      expect(body.months.map((m: { count: number }) => m.count)).toEqual([1, 0, 1, 0, 1, 0, 0, 1]);
      expect(body.total).toBe(4);
      expect(body.first).toMatchObject({ date: '2023-11-07', document_id: ids[0] });
      expect(body.latest).toMatchObject({ date: '2024-06-11', document_id: attachmentId });
      const all = body.months.flatMap((m: { passages: unknown[] }) => m.passages);
      expect(all.filter((e: { is_first: boolean }) => e.is_first)).toHaveLength(1);
      expect(all.filter((e: { is_latest: boolean }) => e.is_latest)).toHaveLength(1);
      expect(all[0].is_first).toBe(true);
      expect(all.at(-1).is_latest).toBe(true);
      for (const e of all) expect(e.text.toLowerCase()).toContain('apprentice');
    });

    it('says which bulletin an attached document came with, and the documents link both ways', async () => {
      const { body } = await get('/api/timeline?q=apprenticeships&mode=lexical');
      const last = body.months.at(-1).passages[0];
      expect(last.citation.document_id).toBe(attachmentId);
      expect(last.citation.attached_to).toEqual({ document_id: ids[4], title: '11 June 2024 weekly update' });
      expect(last.citation.page).toBe(1);
      const pdf = (await get(`/api/documents/${attachmentId}`)).body;
      expect(pdf.parent.id).toBe(ids[4]);
      const bulletin = (await get(`/api/documents/${ids[4]}`)).body;
      expect(bulletin.attachments.map((a: { id: number }) => a.id)).toEqual([attachmentId]);
    });

    it('counts carried text once, at its earliest date, unless repeats=all', async () => {
      const once = (await get('/api/timeline?q=%22admissions%20applications%22&mode=lexical')).body;
      expect(once.total).toBe(1);
      expect(once.first.date).toBe('2024-01-09');
      const all = (await get('/api/timeline?q=%22admissions%20applications%22&mode=lexical&repeats=all')).body;
      expect(all.total).toBe(2);
      expect(all.months.map((m: { count: number }) => m.count)).toEqual([2]);
    });

    it('counts and dates only mentions; in hybrid mode passages close in meaning are listed apart', async () => {
      const { body } = await get('/api/timeline?q=apprenticeships');
      expect(body.total).toBe(4);
      const entries = body.months.flatMap((m: { passages: unknown[] }) => m.passages).concat(body.undated);
      expect(entries).toHaveLength(4);
      for (const e of entries) {
        expect(e.match).toBe('words');
        expect(e.text.toLowerCase()).toContain('apprentice');
      }
      expect(body.meaning_floor).toEqual(expect.any(Number));
      for (const e of body.meaning) {
        expect(e.match).toBe('meaning');
        expect(e.score).toBeGreaterThanOrEqual(body.meaning_floor);
        expect(entries.map((x: { passage_id: number }) => x.passage_id)).not.toContain(e.passage_id);
      }
      const lexical = (await get('/api/timeline?q=apprenticeships&mode=lexical')).body;
      expect(lexical.meaning).toEqual([]);
      expect(lexical.latest).toEqual(body.latest);
    });

    it('honours the filters, and refuses a limit over the maximum and an empty query', async () => {
      const { body } = await get('/api/timeline?q=apprenticeships&mode=lexical&from=2024-01-01&to=2024-03-31');
      expect(body.total).toBe(2);
      expect(body.months.map((m: { month: string }) => m.month)).toEqual(['2024-01', '2024-02', '2024-03']);
      const few = (await get('/api/timeline?q=apprenticeships&mode=lexical&limit=2')).body;
      expect(few.total).toBe(2);
      expect(few.truncated).toBe(true);
      expect((await get('/api/timeline?q=apprenticeships&limit=301')).status).toBe(400);
      expect((await get('/api/timeline?q=%20')).status).toBe(400);
    });
  });

  describe('related passages', () => {
    it('finds the nearest passages in other documents, without copies of the same text', async () => {
      const source = kb.store.documents.passagesOf(ids[3]!)[0]!;
      const { status, body } = await get(`/api/passages/${source.id}/similar?k=5`);
      expect(status).toBe(200);
      expect(body.results.length).toBeGreaterThan(0);
      const docs = body.results.map((h: { citation: { document_id: number } }) => h.citation.document_id);
      expect(docs).not.toContain(ids[3]);
      expect(new Set(docs).size).toBe(docs.length); // one per document by default
      const fingerprints = query<{ fingerprint: string }>(
        kb.config.dataDir,
        `SELECT fingerprint FROM passages WHERE id IN (${body.results.map(() => '?').join(',')})`,
        ...body.results.map((h: { passage_id: number }) => h.passage_id),
      ).map((r) => r.fingerprint);
      expect(new Set(fingerprints).size).toBe(fingerprints.length);
      expect(fingerprints).not.toContain(source.fingerprint);
    });

    it('never offers another copy of a repeated passage as related to it', async () => {
      const one = signOffs()[0]!;
      const { body } = await get(`/api/passages/${one.id}/similar?k=10&per_doc=3`);
      expect(body.results.every((h: { text: string }) => !h.text.startsWith('If you require'))).toBe(true);
    });

    it('404 for a passage that does not exist, 400 for a k over the limit', async () => {
      const missing = await get('/api/passages/999999/similar');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('PASSAGE_NOT_FOUND');
      expect((await get('/api/passages/1/similar?k=1000')).status).toBe(400);
      expect((await get('/api/passages/abc/similar')).status).toBe(400);
    });
  });
});
