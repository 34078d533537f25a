import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BULLETINS, HAS_SHARED, SAMPLES, kb, tempDir } from '../helpers.js';
import { makeTinyModel } from '../fixtures/make-model.js';

const bulletins = HAS_SHARED ? BULLETINS : SAMPLES;

describe('kb with no model, with a local model, after damage, and models for air-gapped machines', () => {
  it('with no model installed: ingest, then verify passes and stats name the built-in embedder', () => {
    const data = tempDir();
    expect(kb(['--data', data, 'ingest', bulletins]).code).toBe(0);
    const verify = kb(['--data', data, '--json', 'verify']);
    expect(verify.json()[0]).toMatchObject({ ok: true, problems: [] });
    expect(verify.code).toBe(0);
    const stats = kb(['--data', data, '--json', 'stats']).json()[0]!;
    expect(stats.embedder).toMatchObject({
      id: expect.stringMatching(/^builtin-lsa-\d+d@[0-9a-f]{12}$/),
      dim: expect.any(Number),
      builtin: true,
    });
    expect(stats.embedder.description).toMatch(/Built-in offline embedder/);
    expect(stats.index.count).toBe(stats.passages);
  });

  it('with KB_MODEL naming a model folder: ingest and verify pass, stats name the model and its dimension', () => {
    const data = tempDir();
    const model = makeTinyModel(path.join(tempDir(), 'tiny-bert'), { dim: 16 });
    const env = { KB_MODEL: model.dir };
    const ingest = kb(['--data', data, 'ingest', SAMPLES], env);
    expect(ingest.code).toBe(0);
    expect(ingest.stderr).toMatch(/embedder: transformers:tiny-bert@[0-9a-f]{12} \(16 dimensions\)/);
    expect(kb(['--data', data, 'verify'], env).code).toBe(0);
    expect(kb(['--data', data, '--json', 'stats'], env).json()[0]!.embedder).toMatchObject({
      id: expect.stringMatching(/^transformers:tiny-bert@[0-9a-f]{12}$/),
      dim: 16,
      builtin: false,
    });

    // Another embedder is refused until `kb reindex`, which switches everything over.
    const refused = kb(['--data', data, '--embedder', 'builtin', 'ingest', SAMPLES]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /made by transformers:tiny-bert@[0-9a-f]{12}, but the configured embedder is the built-in embedder/,
    );
    expect(refused.stderr).toContain('kb reindex');
    const reindex = kb(['--data', data, '--embedder', 'builtin', '--json', 'reindex']);
    expect(reindex.code).toBe(0);
    expect(reindex.json()[0]).toMatchObject({ embedder: { builtin: true }, embedded: expect.any(Number) });
    expect(kb(['--data', data, '--embedder', 'builtin', 'verify']).code).toBe(0);
    expect(kb(['--data', data, '--json', 'stats']).json()[0]!.embedder).toMatchObject({ builtin: true });
  });

  it(
    'reads never write: with the index file gone, search and stats still work, verify says so, verify --repair ' +
      'rebuilds it',
    () => {
      const data = tempDir();
      expect(kb(['--data', data, 'ingest', SAMPLES]).code).toBe(0);
      const file = path.join(data, 'vectors.hnsw');
      fs.rmSync(file);
      expect(kb(['--data', data, '--json', 'search', 'apprenticeships', '-k', '1']).json()[0]!.results).toHaveLength(1);
      expect(kb(['--data', data, 'stats']).code).toBe(0);
      expect(fs.existsSync(file)).toBe(false);
      const verify = kb(['--data', data, '--json', 'verify']);
      expect(verify.code).toBe(1);
      expect(verify.json()[0]!.problems).toContain('index: the index file is missing');
      const repair = kb(['--data', data, '--json', 'verify', '--repair']);
      expect(repair.code).toBe(0);
      expect(repair.json()[0]).toMatchObject({ ok: true, index: { opened: 'rebuilt' } });
      expect(fs.existsSync(file)).toBe(true);
    },
  );

  it('kb model status and import manage models for air-gapped machines', () => {
    const data = tempDir();
    const source = makeTinyModel(path.join(tempDir(), 'from-usb'), { dim: 8 });
    const imported = kb(['--data', data, '--json', 'model', 'import', source.dir, '--name', 'council/tiny']);
    expect(imported.code).toBe(0);
    const status = kb(['--data', data, '--json', '--model', 'council/tiny', 'model', 'status']).json()[0]!;
    expect(status).toMatchObject({
      installed: ['council/tiny'],
      configured: { model: 'council/tiny', installed: true },
      active: null,
    });
    fs.rmSync(path.join(source.dir, 'tokenizer.json'));
    const broken = kb(['--data', data, 'model', 'import', source.dir, '--name', 'council/broken']);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain('missing tokenizer.json');
    // An imported model is picked automatically.
    expect(
      kb(['--data', data, '--model', 'council/tiny', 'ingest', path.join(SAMPLES, '2024-01-09-weekly-update.txt')])
        .stderr,
    ).toMatch(/embedder: transformers:council\/tiny@[0-9a-f]{12} \(8 dimensions\)/);
  });

  it('kb embed prints the vector the model itself computes, for a passage and for a query', () => {
    const data = tempDir();
    const model = makeTinyModel(path.join(tempDir(), 'tiny-bert'), { dim: 16 });
    const env = { KB_MODEL: model.dir, KB_QUERY_INSTRUCTION: 'what ' };
    expect(kb(['--data', data, 'ingest', path.join(SAMPLES, '2024-01-09-weekly-update.txt')], env).code).toBe(0);
    // What the ONNX graph computes: the mean of the tokens' rows ([CLS] … [SEP]), L2-normalised.
    const mean = (tokens: string[]) => {
      const ids = ['[CLS]', ...tokens, '[SEP]'].map((t) => model.vocab.indexOf(t));
      const v = Array.from({ length: model.dim }, (_, j) =>
        ids.reduce((s, id) => s + model.table[id * model.dim + j]!, 0),
      );
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const passage = kb(['--data', data, '--json', 'embed', 'apprentice', 'school'], env).json()[0]!;
    expect(passage).toMatchObject({
      embedder: expect.stringMatching(/^transformers:tiny-bert@/),
      dim: 16,
      as: 'passage',
    });
    passage.vector.forEach((x: number, i: number) => expect(x).toBeCloseTo(mean(['apprentice', 'school'])[i]!, 5));
    const query = kb(['--data', data, '--json', 'embed', '--query', 'apprentice'], env).json()[0]!;
    expect(query.as).toBe('query');
    query.vector.forEach((x: number, i: number) => expect(x).toBeCloseTo(mean(['what', 'apprentice'])[i]!, 5));
    // With no embedder yet, it says so.
    const none = kb(['--data', tempDir(), '--json', 'embed', 'x'], { KB_EMBEDDER: 'builtin' });
    expect(none.json()[0]!.error.code).toBe('NO_EMBEDDER_YET');
  });
});
