import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedHost } from '../../src/embed/embed-host.js';
import { TransformersEmbedder } from '../../src/embed/transformers.js';
import { makeTinyModel } from '../fixtures/make-model.js';
import { tempDir } from '../helpers.js';

/** Queries until one is answered by the query process (it loads its copy of the model in the background). */
async function untilAnsweredApart(e: TransformersEmbedder, text: string): Promise<Float32Array> {
  const qp = embedHost.queryProcess!;
  for (let tries = 0; tries < 400; tries++) {
    const before = qp.answered;
    const v = await e.embedQuery(text);
    if (qp.answered > before) return v;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the query process never answered');
}

describe('queries embedded in a process of their own', () => {
  let e: TransformersEmbedder;

  beforeAll(async () => {
    embedHost.separateQueries(true);
    const m = makeTinyModel(path.join(tempDir(), 'apart'), { dim: 16 });
    e = await TransformersEmbedder.open({
      model: m.dir,
      modelsDir: tempDir(),
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 4_000,
      queryInstruction: '',
    });
  });
  afterAll(async () => {
    await e?.close();
    embedHost.separateQueries(false);
  });

  it('gives the same vector as the embedding worker, from another process', async () => {
    const apart = await untilAnsweredApart(e, 'apprentice school');
    expect(embedHost.queryProcess!.pid).not.toBe(process.pid);
    const [inWorker] = await e.embedDocuments(['apprentice school']);
    expect([...apart]).toEqual([...inWorker!]);
  });

  it('answers a query while the worker embeds a large batch of passages', async () => {
    await untilAnsweredApart(e, 'warm');
    const texts = Array.from({ length: 4_000 }, (_, i) => `apprentice school pupils training ${i}`);
    let documentsDone = false;
    const documents = e.embedDocuments(texts).then((v) => {
      documentsDone = true;
      return v;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = embedHost.queryProcess!.answered;
    await e.embedQuery('apprentice');
    expect(documentsDone).toBe(false);
    expect(embedHost.queryProcess!.answered).toBe(before + 1);
    expect(await documents).toHaveLength(4_000);
  });

  it('when the process dies, queries still get answers, and it is started again with the model', async () => {
    const [want] = await e.embedDocuments(['pupils']);
    const first = embedHost.queryProcess!.pid!;
    process.kill(first, 'SIGKILL');
    // Answered whatever the moment: by the worker until the new process has loaded the model.
    expect([...(await e.embedQuery('pupils'))]).toEqual([...want!]);
    expect([...(await untilAnsweredApart(e, 'pupils'))]).toEqual([...want!]);
    expect(embedHost.queryProcess!.pid).not.toBe(first);
  });
});
