import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { createLogger } from '../../src/log.js';
import { tempDir } from '../helpers.js';

/** A model host on loopback that has no models: every download fails, and the requests are counted. */
describe('a failed model download is tried once and remembered', () => {
  let server: http.Server;
  let host: string;
  let requests = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const open = async (dataDir: string, extra: Record<string, unknown> = {}) => {
    const lines: string[] = [];
    const config = loadConfig({}, { dataDir, embedder: 'auto', offline: false, modelHost: host, ...extra });
    const kb = await KnowledgeBase.open(
      config,
      createLogger('info', (l) => lines.push(l)),
    );
    await kb.close();
    return { lines };
  };

  it('the first command tries and says so in plain words; the next ones do not wait for the network', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir);
    expect(requests).toBeGreaterThan(0);
    const warned = first.lines.filter((l) => l.startsWith('kb warn:'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/could not be downloaded .*searching by meaning uses the built-in model/);
    expect(warned[0]).toMatch(/try again in 24 hours/);
    const remembered = JSON.parse(fs.readFileSync(path.join(dataDir, 'models', 'last-download-failure.json'), 'utf8'));
    expect(remembered).toMatchObject({ model: 'Xenova/bge-small-en-v1.5', host });

    const before = requests;
    const second = await open(dataDir);
    expect(requests, 'no request while the failure is remembered').toBe(before);
    expect(second.lines.some((l) => l.startsWith('kb warn:'))).toBe(false);
    expect(second.lines.join('\n')).toMatch(/could not be downloaded at .*The next try is after/);

    // Another host is another attempt; so is the end of the wait (KB_MODEL_RETRY_HOURS=0: every command tries).
    await open(dataDir, { modelRetryHours: 0 });
    expect(requests).toBeGreaterThan(before);
  }, 60_000);
});
