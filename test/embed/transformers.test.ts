import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKbError } from '../../src/errors.js';
import { TransformersEmbedder } from '../../src/embed/transformers.js';
import { importModel, installedModels } from '../../src/embed/model-files.js';
import { makeTinyModel, type TinyModel } from '../fixtures/make-model.js';
import { tempDir } from '../helpers.js';

/** What the model must compute: the mean of the token rows (CLS … SEP), L2-normalised. */
function expected(model: TinyModel, tokens: string[]): number[] {
  const ids = ['[CLS]', ...tokens, '[SEP]'].map((t) => model.vocab.indexOf(t));
  const v = new Array(model.dim).fill(0);
  for (const id of ids) for (let j = 0; j < model.dim; j++) v[j] += model.table[id * model.dim + j]! / ids.length;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('transformers.js embedder on a generated model, offline', () => {
  let model: TinyModel;
  let embedder: TransformersEmbedder;
  const modelsDir = tempDir();

  beforeAll(async () => {
    model = makeTinyModel(path.join(tempDir(), 'tiny-bert'), { dim: 24 });
    embedder = await TransformersEmbedder.open({
      model: model.dir,
      modelsDir,
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 2,
      queryInstruction: 'what ',
    });
  });
  afterAll(async () => {
    await embedder?.close();
  });

  it('detects the dimension and names the model', () => {
    expect(embedder.dim).toBe(24);
    expect(embedder.id).toBe('transformers:tiny-bert');
    expect(embedder.builtin).toBe(false);
  });

  it('tokenises (lower case, WordPiece, CLS/SEP), runs the ONNX graph, mean-pools and normalises', async () => {
    const [v] = await embedder.embedDocuments(['Apprenticeships and Training']);
    const want = expected(model, ['apprenticeships', 'and', 'training']);
    [...v!].forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 5));
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
    const [unknown] = await embedder.embedDocuments(['zebra']);
    [...unknown!].forEach((x, i) => expect(x).toBeCloseTo(expected(model, ['[UNK]'])[i]!, 5));
  });

  it('embeds in batches and puts the instruction on queries only', async () => {
    const texts = ['attendance', 'skills training', 'special needs plan', 'apprentice', 'pupils'];
    const vectors = await embedder.embedDocuments(texts);
    expect(vectors).toHaveLength(5);
    const [single] = await embedder.embedDocuments(['pupils']);
    expect([...vectors[4]!]).toEqual([...single!]);
    const query = await embedder.embedQuery('apprentice');
    const [withInstruction] = await embedder.embedDocuments(['what apprentice']);
    expect([...query]).toEqual([...withInstruction!]);
  });

  it('ranks a related word above an unrelated one (the fixture groups words)', async () => {
    const [q, near, far] = await embedder.embedDocuments(['apprenticeship', 'employers training', 'absence']);
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(cos(q!, near!)).toBeGreaterThan(cos(q!, far!));
  });
});

describe('model folders', () => {
  it('refuses an incomplete folder with a message naming what is missing', async () => {
    const model = makeTinyModel(path.join(tempDir(), 'broken'));
    fs.rmSync(path.join(model.dir, 'tokenizer.json'));
    const err = await TransformersEmbedder.open({
      model: model.dir,
      modelsDir: tempDir(),
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 8,
      queryInstruction: '',
    }).catch((e: unknown) => e);
    expect(isKbError(err, 'MODEL_INCOMPLETE')).toBe(true);
    expect((err as Error).message).toContain('tokenizer.json');
  });

  it('refuses a model id that is not installed when offline', async () => {
    const err = await TransformersEmbedder.open({
      model: 'Xenova/bge-small-en-v1.5',
      modelsDir: tempDir(),
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 8,
      queryInstruction: '',
    }).catch((e: unknown) => e);
    expect(isKbError(err, 'MODEL_NOT_FOUND')).toBe(true);
  });

  it('imports a copied model folder under an id, then loads it by that id offline', async () => {
    const source = makeTinyModel(path.join(tempDir(), 'copied-model'), { dim: 8 });
    const modelsDir = tempDir();
    expect(importModel(source.dir, modelsDir, 'council/tiny')).toBe('council/tiny');
    expect(installedModels(modelsDir)).toEqual(['council/tiny']);
    const e = await TransformersEmbedder.open({
      model: 'council/tiny',
      modelsDir,
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 8,
      queryInstruction: '',
    });
    expect(e.dim).toBe(8);
    await e.close();
    fs.rmSync(path.join(source.dir, 'onnx'), { recursive: true });
    expect(() => importModel(source.dir, modelsDir, 'council/broken')).toThrow(/missing .*onnx/);
  });
});
