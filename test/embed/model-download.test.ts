import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { pull } from '../../src/embed/choose-model.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { createLogger } from '../../src/log.js';
import { makeTinyModel } from '../fixtures/make-model.js';
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

/** A model host on loopback in the Hugging Face layout, serving a generated model at one commit. */
describe('kb model pull from a host: pinned, checked, checksummed, installed in one move', () => {
  let server: http.Server;
  let host: string;
  const asked: string[] = [];
  const COMMIT = '0123456789abcdef0123456789abcdef01234567';
  let model: ReturnType<typeof makeTinyModel>;
  let corrupt = false;

  beforeAll(async () => {
    model = makeTinyModel(path.join(tempDir(), 'served'), { dim: 8 });
    fs.mkdirSync(path.join(model.dir, '1_Pooling'));
    fs.writeFileSync(
      path.join(model.dir, '1_Pooling', 'config.json'),
      JSON.stringify({ pooling_mode_mean_tokens: true }),
    );
    server = http.createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? '');
      asked.push(url);
      const m = /^\/council\/tiny\/resolve\/([^/]+)\/(.+)$/.exec(url);
      const file = m && path.join(model.dir, m[2]!);
      if (!m || (m[1] !== 'main' && m[1] !== COMMIT) || !fs.existsSync(file!)) return res.writeHead(404).end();
      const body = corrupt && file!.endsWith('.onnx') ? Buffer.from('truncated') : fs.readFileSync(file!);
      res.writeHead(200, { 'content-length': body.length, 'x-repo-commit': COMMIT }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads every file the model needs at the revision asked for and records where it came from', async () => {
    const dataDir = tempDir();
    const config = loadConfig({}, { dataDir, model: 'council/tiny', modelHost: host, modelRevision: COMMIT });
    const manifest = await pull(config);
    expect(manifest).toMatchObject({ model: 'council/tiny', host, revision: COMMIT, commit: COMMIT });
    expect(asked).toContain(`/council/tiny/resolve/${COMMIT}/onnx/model_quantized.onnx`);
    expect(asked).toContain(`/council/tiny/resolve/${COMMIT}/1_Pooling/config.json`);
    const installed = path.join(dataDir, 'models', 'council', 'tiny');
    const onnx = manifest.files.find((f) => f.path === 'onnx/model_quantized.onnx')!;
    const sha = createHash('sha256')
      .update(fs.readFileSync(path.join(installed, onnx.path)))
      .digest('hex');
    expect(onnx.sha256).toBe(sha);
    expect(fs.existsSync(path.join(installed, '1_Pooling', 'config.json'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(installed, 'kb-model.json'), 'utf8'))).toEqual(manifest);
    // The first start of a connected machine uses the same path, then loads the model offline.
    const other = tempDir();
    const lines: string[] = [];
    const kb = await KnowledgeBase.open(
      loadConfig({}, { dataDir: other, embedder: 'auto', model: 'council/tiny', modelHost: host }),
      createLogger('info', (l) => lines.push(l)),
    );
    expect(kb.embedderInfo()?.id).toMatch(/^transformers:council\/tiny@/);
    await kb.close();
    expect(fs.existsSync(path.join(other, 'models', 'council', 'tiny', 'kb-model.json'))).toBe(true);
  }, 60_000);

  it('a download that does not make a working model installs nothing', async () => {
    corrupt = true;
    try {
      const dataDir = tempDir();
      const config = loadConfig({}, { dataDir, model: 'council/tiny', modelHost: host });
      await expect(pull(config)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
      expect(fs.readdirSync(path.join(dataDir, 'models'))).toEqual([]);
    } finally {
      corrupt = false;
    }
  }, 60_000);
});
