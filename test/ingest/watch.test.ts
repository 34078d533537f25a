import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderWatch, type Watched } from '../../ingest/watch.js';
import type { IngestResult } from '../../ingest/results.js';
import { silentLogger } from '../../src/log.js';
import { PooledService } from '../../src/server/pooled-service.js';
import { serve } from '../../src/server/serve.js';
import { ROOT, openKb, query, tempDir, testConfig } from '../helpers.js';

const SETTLE = 1_000;
const note = (topic: string) =>
  `Weekly note on ${topic}.\n\nThe directorate's work on ${topic} continues this term, with a report to governors.`;

/** The knowledge base, counting what it is asked to ingest. */
function counted(kb: Watched) {
  const asked: string[] = [];
  const watched: Watched = {
    store: kb.store,
    ingest: (paths) => {
      asked.push(...paths.map((p) => path.basename(p)));
      return kb.ingest(paths);
    },
    delete: (ids) => kb.delete(ids),
  };
  return { watched, asked };
}

describe('kb watch: documents dropped into a folder', () => {
  it('reads each file once it is complete: new, half-written, changed; a restart reads nothing again', async () => {
    const kb = await openKb({ embedder: 'builtin' });
    try {
      const dir = tempDir();
      const { watched, asked } = counted(kb);
      const results: IngestResult[] = [];
      const options = { intervalMs: 10, settleMs: SETTLE, deleteMissing: false, log: silentLogger };
      const watch = new FolderWatch(watched, [dir], { ...options, onResults: (r) => results.push(...r) });
      let t = 1_000_000;
      fs.writeFileSync(path.join(dir, 'attendance.txt'), note('attendance'));
      await watch.scan(t);
      expect(asked).toEqual([]); // just seen: it may still be being written
      await watch.scan((t += SETTLE));
      expect(asked).toEqual(['attendance.txt']);
      // Half a file, then the rest: read once, whole.
      const half = path.join(dir, 'transport.txt');
      fs.writeFileSync(half, 'Weekly note on home to school transport.\n\nApplications');
      await watch.scan((t += 10));
      fs.appendFileSync(half, ' for September close on 31 March, and late applications are considered in May.');
      await watch.scan((t += SETTLE));
      expect(asked).toEqual(['attendance.txt']);
      await watch.scan((t += SETTLE));
      await watch.scan((t += SETTLE));
      expect(asked).toEqual(['attendance.txt', 'transport.txt']);
      const text = query<{ text: string }>(kb.config.dataDir, 'SELECT text FROM document_text');
      expect(text.some((r) => r.text.includes('late applications are considered in May'))).toBe(true);
      // A changed file is read again, once.
      fs.writeFileSync(path.join(dir, 'attendance.txt'), note('attendance and exclusions'));
      await watch.scan((t += 10));
      await watch.scan((t += SETTLE));
      await watch.scan((t += SETTLE));
      expect(asked).toEqual(['attendance.txt', 'transport.txt', 'attendance.txt']);
      expect(results.map((r) => r.status)).toEqual(['added', 'added', 'updated']);
      // A restart (a new watch) finds everything as it was stored.
      const again = counted(kb);
      const restarted: IngestResult[] = [];
      const second = new FolderWatch(again.watched, [dir], { ...options, onResults: (r) => restarted.push(...r) });
      await second.scan(t);
      await second.scan(t + SETTLE);
      expect(restarted.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
      // Removing a file deletes nothing, unless asked.
      fs.rmSync(path.join(dir, 'transport.txt'));
      await second.scan(t + 2 * SETTLE);
      expect(query(kb.config.dataDir, 'SELECT id FROM documents')).toHaveLength(2);
      const deleting = new FolderWatch(watched, [dir], { ...options, deleteMissing: true });
      await deleting.scan(t);
      const left = query<{ title: string }>(kb.config.dataDir, 'SELECT title FROM documents');
      expect(left.map((d) => d.title)).toEqual(['attendance']);
    } finally {
      await kb.close();
    }
  });

  it('kb watch runs until stopped, one log line per document', async () => {
    const dir = tempDir();
    const dataDir = tempDir();
    const child = spawn(process.execPath, [path.join(ROOT, 'src/bin/kb.js'), 'watch', dir], {
      env: {
        ...process.env,
        KB_OFFLINE: '1',
        KB_DATA_DIR: dataDir,
        KB_WATCH_INTERVAL_MS: '100',
        KB_WATCH_SETTLE_MS: '300',
      },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stderr, { timeout: 30_000 }).toMatch(/watching /);
      fs.writeFileSync(path.join(dir, 'send.txt'), note('special educational needs'));
      await expect
        .poll(() => stderr, { timeout: 30_000 })
        .toMatch(/added \[1\] send \(\d+ passages\) from .*send\.txt/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr.match(/added \[/g)).toHaveLength(1);
  });

  it('kb serve --watch ingests in the service: a dropped file becomes searchable', async () => {
    const dir = tempDir();
    const config = testConfig({
      port: 0,
      offline: true,
      embedder: 'builtin',
      watch: [dir],
      watchIntervalMs: 100,
      watchSettleMs: 200,
    });
    const service = await PooledService.start(config, silentLogger);
    const running = await serve(service, config, silentLogger);
    try {
      fs.writeFileSync(path.join(dir, 'meals.txt'), note('free school meals auto-enrolment'));
      await expect
        .poll(
          async () => {
            const r = await fetch(`${running.url}api/search?q=auto-enrolment&mode=lexical&k=1`);
            return (await r.json()).results?.[0]?.citation?.title;
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe('meals');
    } finally {
      await running.close();
    }
  });
});
