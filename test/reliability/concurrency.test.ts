import { describe, expect, it } from 'vitest';
import { query, SAMPLES, tempDir } from '../helpers.js';
import { runKb } from './crash.js';

/** Two programs writing at once: each document is stored once, and unchanged files stay unchanged. */
describe('two kb ingest runs over the same files at once', () => {
  it('store each document once: what one run stored the other reports unchanged, rewriting nothing', async () => {
    const data = tempDir();
    const [a, b] = await Promise.all([
      runKb(['--data', data, 'ingest', SAMPLES]),
      runKb(['--data', data, 'ingest', SAMPLES]),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const statuses = [...a.lines, ...b.lines].filter((l) => l.status).map((l) => l.status as string);
    expect(statuses).not.toContain('updated');
    expect(statuses.filter((s) => s === 'added')).toHaveLength(12);
    const ids = query(data, 'SELECT id FROM passages ORDER BY id').map((r) => r.id);
    // A third run changes nothing at all.
    const c = await runKb(['--data', data, 'ingest', SAMPLES]);
    expect(c.lines.at(-1)!.summary).toMatchObject({ added: 0, updated: 0, failed: 0 });
    expect(query(data, 'SELECT id FROM passages ORDER BY id').map((r) => r.id)).toEqual(ids);
  });
});
