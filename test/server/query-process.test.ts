import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { embedHost } from '../../src/embed/embed-host.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { silentLogger } from '../../src/log.js';
import { PooledService } from '../../src/server/pooled-service.js';
import { serve, type Running } from '../../src/server/serve.js';
import { makeTinyModel } from '../fixtures/make-model.js';
import { tempDir } from '../helpers.js';

/**
 * `kb serve` with a model: queries from the search workers are embedded in
 * the query process, while passages uploaded are embedded by the writer's
 * model in the embedding worker.
 */
describe('kb serve with a model embeds queries in a process of their own', () => {
  let running: Running;
  const token = 'a-token-of-sixteen-chars';

  beforeAll(async () => {
    const model = makeTinyModel(path.join(tempDir(), 'served-model'), { dim: 16 });
    const config = loadConfig(
      {},
      {
        dataDir: tempDir(),
        offline: true,
        embedder: 'transformers',
        model: model.dir,
        logLevel: 'silent',
        port: 0,
        searchWorkers: 1,
        apiToken: token,
      },
    );
    const kb = await KnowledgeBase.open(config, silentLogger);
    kb.ingestText([
      { sourceId: 'a', title: 'Apprenticeships', text: 'Apprentice training for pupils leaving school.' },
      { sourceId: 'b', title: 'Attendance', text: 'School attendance figures for the autumn term.' },
    ]);
    await kb.refresh();
    await kb.close();
    const service = await PooledService.start(config, silentLogger);
    running = await serve(service, config, silentLogger);
  }, 120_000);
  afterAll(async () => {
    await running?.close();
  });

  it('answers searches by meaning from the query process, during an upload too', async () => {
    const search = async () => {
      const res = await fetch(`${running.url}api/search?q=apprentice+training&mode=semantic&k=2`);
      expect(res.status).toBe(200);
      return (await res.json()) as { results: { citation: { title: string } }[] };
    };
    expect((await search()).results[0]!.citation.title).toBe('Apprenticeships');
    const qp = embedHost.queryProcess!;
    await expect.poll(async () => (await search(), qp.answered), { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);
    expect(qp.pid).not.toBe(process.pid);

    const form = new FormData();
    const text = Array.from({ length: 3_000 }, (_, i) => `Pupils and school training item ${i}.`).join('\n\n');
    form.append('file', new Blob([text], { type: 'text/plain' }), 'long.txt');
    const upload = await fetch(`${running.url}api/documents`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(upload.status).toBeLessThan(300);
    const before = qp.answered;
    expect((await search()).results[0]!.citation.title).toBe('Apprenticeships');
    expect(qp.answered).toBeGreaterThan(before);
  });
});
