import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kb as runKb, multipart, ROOT, SAMPLES, tempDir } from '../helpers.js';

const TOKEN = 'pathological-test-token-0123456789';

/** Documents that once froze the whole service (now linear, and never on the thread that answers). */
const PATHOLOGICAL = {
  'paragraphs.txt': () => 'Many paragraphs 9 July 2024\n\n' + 'x\n\n'.repeat(1_500_000),
  'hyphens.txt': () => 'Hyphens 10 July 2024\n\n' + 'a-\n'.repeat(1_000_000),
  'dots.txt': () => `Dots 11 July 2024\n\n${'word '.repeat(350)}${'.'.repeat(120_000)}x`,
};

/** `kb serve` in a process of its own, as it runs for real; resolves with its address. */
async function startServe(data: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'src', 'bin', 'kb.js'), '--data', data, '--json', 'serve', '--port', '0'],
    {
      env: { ...process.env, KB_OFFLINE: '1', KB_API_TOKEN: TOKEN, KB_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`kb serve exited ${code}`)));
  });
  return { url, child };
}

const stopped = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', resolve));

describe('no document can freeze the service', () => {
  let url: string;
  let child: ChildProcess;
  beforeAll(async () => {
    const data = tempDir();
    expect(runKb(['--data', data, 'ingest', SAMPLES]).code).toBe(0);
    ({ url, child } = await startServe(data, { KB_MAX_FILE_BYTES: '10000000', KB_SEARCH_WORKERS: '2' }));
  }, 60_000);
  afterAll(async () => {
    const exit = stopped(child);
    child?.kill('SIGTERM');
    await exit;
  });

  it('/api/health answers (p99 under 100 ms, never over 1 s) while 6 MB of pathological text is ingested', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    // The uploads are made before the clock starts: building them is this test's work, not the service's.
    const uploads = Object.entries(PATHOLOGICAL).map(([name, make]) => ({
      name,
      form: multipart([{ name, content: make() }]),
    }));
    await (await fetch(`${url}api/health`)).json(); // a connection open before the clock starts
    let done = false;
    const health: number[] = [];
    const poll = (async () => {
      while (!done) {
        const t = performance.now();
        const r = await fetch(`${url}api/health`);
        await r.json();
        health.push(performance.now() - t);
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    for (const { name, form } of uploads) {
      const body = new Uint8Array(form.payload);
      const res = await fetch(`${url}api/documents`, { method: 'POST', headers: { ...auth, ...form.headers }, body });
      expect(res.status, name).toBe(200);
      expect((await res.json()).results[0].status, name).toBe('added');
      expect((await fetch(`${url}api/search?q=apprenticeships&k=1`)).status).toBe(200);
    }
    done = true;
    await poll;
    health.sort((a, b) => a - b);
    const p99 = health[Math.floor(health.length * 0.99)]!;
    process.stderr.write(
      `health during pathological uploads: ${health.length} answers, ` +
        `p99 ${Math.round(p99)} ms, max ${Math.round(health.at(-1)!)} ms\n`,
    );
    expect(health.length).toBeGreaterThan(10);
    // A frozen service answers after seconds or minutes; a shared machine can delay one answer by a few hundred ms.
    expect(p99).toBeLessThan(100);
    expect(health.at(-1)!).toBeLessThan(1_000);
  });
});

describe('kb serve stops on SIGTERM within its grace period, even in the middle of an ingest', () => {
  it('exits promptly with the upload unfinished, and the data folder is consistent afterwards', async () => {
    const data = tempDir();
    expect(runKb(['--data', data, 'ingest', path.join(SAMPLES, '2024-01-09-weekly-update.txt')]).code).toBe(0);
    const { url, child } = await startServe(data, { KB_SHUTDOWN_GRACE_MS: '1000', KB_MAX_FILE_BYTES: '20000000' });
    // A big upload of many ordinary paragraphs: seconds of work.
    const line = (i: number) =>
      `Paragraph ${i} about school transport, the forms families fill in, and the deadlines for September.`;
    const text = Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n\n');
    const form = multipart([{ name: 'big.txt', content: `Big upload 9 July 2024\n\n${text}` }]);
    const headers = { authorization: `Bearer ${TOKEN}`, ...form.headers };
    const upload = fetch(`${url}api/documents`, { method: 'POST', headers, body: new Uint8Array(form.payload) }).catch(
      () => null,
    );
    await new Promise((r) => setTimeout(r, 500));
    const exit = stopped(child);
    const signalled = performance.now();
    child.kill('SIGTERM');
    const code = await exit;
    const stoppedMs = performance.now() - signalled;
    await upload;
    expect(code).toBe(0);
    expect(stoppedMs).toBeLessThan(1000 + 5000); // the grace period, and room to close the threads
    const verify = runKb(['--data', data, '--json', 'verify', '--repair']);
    expect(verify.json()[0]).toMatchObject({ ok: true });
  }, 60_000);
});
