import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, kb, tempDir, writeFile } from '../helpers.js';

describe('kb ingest / stats / delete', () => {
  it('ingests the samples with --json: a result per document and a summary, exit 0; a second run is unchanged', () => {
    const data = tempDir();
    const first = kb(['--data', data, '--json', 'ingest', SAMPLES]);
    expect(first.code).toBe(0);
    const lines = first.json();
    const summary = lines.pop()!;
    expect(summary).toEqual({
      summary: { files: 12, added: 12, updated: 0, unchanged: 0, failed: 0, skipped: 0, passages: expect.any(Number) },
    });
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        expect.arrayContaining(['document_id', 'kind', 'passages', 'published_at', 'source_id', 'status', 'title']),
      );
      expect(line.status).toBe('added');
    }
    expect(lines.find((l) => l.title === '6 February 2024 weekly update')).toMatchObject({
      kind: 'bulletin',
      published_at: '2024-02-06',
    });

    const second = kb(['--json', 'ingest', SAMPLES], { KB_DATA_DIR: data });
    expect(second.code).toBe(0);
    expect(second.json().pop()).toMatchObject({ summary: { unchanged: 11, added: 0, failed: 0 } });

    const stats = kb(['--data', data, '--json', 'stats']);
    expect(stats.code).toBe(0);
    expect(stats.json()[0]).toMatchObject({
      documents: 12,
      pages: 6,
      date_range: { from: '2024-01-09', to: '2025-01-14' },
      by_kind: { bulletin: 10, strategy: 2, other: 0 },
    });
  });

  it('exits 1 when some files fail, storing the rest, and says why on each', () => {
    const data = tempDir();
    const dir = tempDir();
    const bad = writeFile(dir, 'empty.txt', '');
    const good = writeFile(
      dir,
      'good.txt',
      'Apprenticeships\n\nApprenticeships give young people a wage, a qualification and real experience of work.',
    );
    const r = kb(['--data', data, '--json', 'ingest', bad, good]);
    expect(r.code).toBe(1);
    const [failed, added, summary] = r.json();
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'FILE_EMPTY', message: expect.stringContaining('empty.txt') },
    });
    expect(added).toMatchObject({ status: 'added', title: 'Apprenticeships' });
    expect(summary).toMatchObject({ summary: { failed: 1, added: 1 } });

    const human = kb(['--data', data, 'ingest', bad]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('the file is empty');
  });

  it('exits 2 for usage errors, with a message on stderr', () => {
    expect(kb(['ingest']).code).toBe(2);
    expect(kb(['frobnicate']).code).toBe(2);
    const r = kb(['--data', tempDir(), 'delete', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('document id must be a number');
    const limits = kb(['--data', tempDir(), '--max-file-bytes', 'lots', 'stats']);
    expect(limits.code).toBe(2);
    expect(limits.stderr).toContain('KB_MAX_FILE_BYTES');
  });

  it('deletes a document by id, and exits 1 for an id that does not exist', () => {
    const data = tempDir();
    const added = kb([
      '--data',
      data,
      '--json',
      'ingest',
      path.join(SAMPLES, '2024-09-10-weekly-update.txt'),
    ]).json()[0]!;
    const del = kb(['--data', data, '--json', 'delete', String(added.document_id)]);
    expect(del.code).toBe(0);
    expect(del.json()[0]).toMatchObject({ status: 'deleted', document_id: added.document_id });
    expect(kb(['--data', data, '--json', 'stats']).json()[0]).toMatchObject({ documents: 0, passages: 0 });
    const missing = kb(['--data', data, '--json', 'delete', '999']);
    expect(missing.code).toBe(1);
    expect(missing.json()[0]).toMatchObject({ status: 'failed', error: { code: 'DOCUMENT_NOT_FOUND' } });
  });
});

describe('kb search / ask', () => {
  it('prints the API objects with --json and a readable list with citations without it', () => {
    const data = tempDir();
    expect(kb(['--data', data, 'ingest', SAMPLES]).code).toBe(0);
    const json = kb(['--data', data, '--json', 'search', 'apprenticeship', 'levy', '-k', '3', '--from', '2025-01-01']);
    expect(json.code).toBe(0);
    const res = json.json()[0]!;
    expect(res).toMatchObject({ query: 'apprenticeship levy', mode: 'hybrid', embedder: { builtin: true } });
    expect(res.results[0].citation).toMatchObject({ date: '2025-01-14', section: 'Sharing the apprenticeship levy' });
    const human = kb(['--data', data, 'search', 'apprenticeship levy', '-k', '1']);
    // The citation once: the date is in the title, so it is not repeated.
    expect(human.stdout).toMatch(/1\. “.*levy.*” \(14 January 2025 weekly update\)/s);

    const ask = kb(['--data', data, '--json', 'ask', 'how many new specialist places from September?']);
    expect(ask.code).toBe(0);
    const answer = ask.json()[0]!;
    expect(answer.answer.some((a: { text: string }) => a.text.includes('240 new places'))).toBe(true);
    expect(kb(['--data', data, 'ask', 'how many new specialist places from September?']).stdout).toMatch(
      /\[1\] 16 April 2024 weekly update, 16 April 2024/,
    );

    expect(kb(['--data', data, 'search', 'x', '-k', '0']).code).toBe(2);
    expect(kb(['--data', data, 'search', 'x', '--from', 'March']).code).toBe(2);

    // The timeline: the same object as the API, or a chart in text and the quotes, newest first.
    const timeline = kb(['--data', data, '--json', 'timeline', 'apprenticeships', '--mode', 'lexical']);
    expect(timeline.code).toBe(0);
    const t = timeline.json()[0]!;
    expect(t.first).toMatchObject({ date: '2024-01-09' });
    expect(t.latest).toMatchObject({ date: '2025-01-14' });
    const text = kb(['--data', data, 'timeline', 'apprenticeships', '--mode', 'lexical']).stdout;
    expect(text).toMatch(/^\d+ passages say "apprenticeships", in \d+ months/);
    expect(text).toMatch(/ {2}January 2024 +#+ \d+\n {2}February 2024/);
    expect(text.indexOf('[latest]')).toBeLessThan(text.indexOf('[first]'));
    expect(kb(['--data', data, 'timeline', 'x', '--limit', '100000']).code).toBe(2);

    // Standing text (the helpdesk line of every sample bulletin) is one hit that says where else it is.
    const helpdesk = kb(['--data', data, 'search', 'require assistance helpdesk', '-k', '3']).stdout;
    expect(helpdesk).toContain('Same words in 10 documents, 9 January 2024 to 14 January 2025 (standing text)');
    const all = kb([
      '--data',
      data,
      '--json',
      'search',
      'require assistance helpdesk',
      '-k',
      '5',
      '--all-repeats',
    ]).json()[0]!;
    expect(all.results.filter((h: { text: string }) => h.text.startsWith('If you require')).length).toBeGreaterThan(1);
  });
});
