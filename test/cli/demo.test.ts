import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.js';

const BIN = path.join(ROOT, 'src', 'bin', 'kb.js');

describe('the demo (npm start) is kept apart from the real knowledge base', () => {
  it('kb demo serves the samples from its own folder, says it is a demo, never touches ./data', async () => {
    const cwd = tempDir();
    const demoDir = path.join(cwd, 'demo-folder');
    const child = spawn(process.execPath, [BIN, '--json', 'demo', '--dir', demoDir, '--port', '0'], {
      cwd,
      // Downloads allowed, as on a fresh machine, from a host that refuses: the failure it remembers stays in the demo.
      env: { ...process.env, KB_OFFLINE: '0', KB_MODEL_HOST: 'http://127.0.0.1:9/', KB_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"url":"([^"]+)"/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`kb demo exited ${code}`)));
      });
      const health = (await (await fetch(`${url}api/health`)).json()) as {
        demo: boolean;
        counts: { documents: number };
      };
      expect(health.demo).toBe(true);
      expect(health.counts.documents).toBeGreaterThan(5);
      expect(fs.existsSync(path.join(demoDir, 'kb.sqlite'))).toBe(true);
      expect(fs.existsSync(path.join(demoDir, 'models', 'last-download-failure.json'))).toBe(true);
    } finally {
      const exit = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exit;
    }
    // ./data, where every kb command looks by default, was never created; kb stats there reports nothing.
    expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
    const stats = spawnSync(process.execPath, [BIN, '--json', 'stats'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, KB_OFFLINE: '1', KB_LOG_LEVEL: 'silent', KB_DATA_DIR: '' },
    });
    expect(JSON.parse(stats.stdout).documents).toBe(0);
    // npm start runs exactly this.
    expect(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).toMatch(/"start": "node src\/bin\/kb\.js demo"/);
  }, 120_000);
});
