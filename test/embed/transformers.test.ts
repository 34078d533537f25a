import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKbError } from '../../src/errors.js';
import { TransformersEmbedder } from '../../src/embed/transformers.js';
import { installedModels } from '../../src/embed/model-files.js';
import { importModelChecked } from '../../src/embed/model-import.js';
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
    // The name, and a fingerprint of the ONNX file and the settings (pooling, prefixes).
    expect(embedder.id).toMatch(/^transformers:tiny-bert@[0-9a-f]{12}$/);
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

/** The [CLS] row, L2-normalised: what CLS pooling gives (the fixture's graph returns each token's row). */
function clsOf(model: TinyModel): number[] {
  const id = model.vocab.indexOf('[CLS]');
  const v = [...model.table.subarray(id * model.dim, (id + 1) * model.dim)];
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('each model family run as its model card says', () => {
  const open = (dir: string, extra: Partial<Parameters<typeof TransformersEmbedder.open>[0]> = {}) =>
    TransformersEmbedder.open({
      model: dir,
      modelsDir: tempDir(),
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 4,
      ...extra,
    });
  const close = (a: Float32Array, b: number[]) => [...a].every((x, i) => Math.abs(x - b[i]!) < 1e-5);

  it('bge is CLS-pooled with its query instruction; gte and MiniLM are mean-pooled', async () => {
    const bgeModel = makeTinyModel(path.join(tempDir(), 'bge-small-en-v1.5'), { dim: 16 });
    const bge = await open(bgeModel.dir);
    const [a, b] = await bge.embedDocuments(['apprenticeship training', 'school attendance']);
    // CLS pooling reads the first token's output alone; mean pooling would differ between these texts.
    expect(close(a!, clsOf(bgeModel))).toBe(true);
    expect(close(b!, clsOf(bgeModel))).toBe(true);
    expect(bge.settings).toMatchObject({ pooling: 'cls', passagePrefix: '', source: 'model family' });
    expect(bge.settings.queryPrefix).toMatch(/^Represent this sentence for searching relevant passages: $/);
    expect(bge.description).toMatch(/CLS pooling/);
    await bge.close();
    for (const name of ['gte-small', 'all-MiniLM-L6-v2']) {
      const m = makeTinyModel(path.join(tempDir(), name), { dim: 16 });
      const e = await open(m.dir);
      const [v] = await e.embedDocuments(['apprenticeship training']);
      expect(close(v!, expected(m, ['apprenticeship', 'training'])), name).toBe(true);
      expect(e.settings).toMatchObject({ pooling: 'mean', queryPrefix: '', passagePrefix: '' });
      await e.close();
    }
  });

  it("a folder's 1_Pooling and sentence-transformers prompts win over its name", async () => {
    const m = makeTinyModel(path.join(tempDir(), 'my-model'), { dim: 16, extra: ['find', 'doc', 'the', 'of'] });
    fs.mkdirSync(path.join(m.dir, '1_Pooling'));
    fs.writeFileSync(
      path.join(m.dir, '1_Pooling', 'config.json'),
      JSON.stringify({ word_embedding_dimension: 16, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }),
    );
    fs.writeFileSync(
      path.join(m.dir, 'config_sentence_transformers.json'),
      JSON.stringify({ prompts: { query: 'find ', document: 'doc ' } }),
    );
    const e = await open(m.dir);
    expect(e.settings).toEqual({
      pooling: 'cls',
      queryPrefix: 'find ',
      passagePrefix: 'doc ',
      maxTokens: null,
      source: 'model files',
    });
    const [v] = await e.embedDocuments(['of the']);
    expect(close(v!, clsOf(m))).toBe(true);
    await e.close();
    // KB_POOLING and the prefixes set by hand win over the files.
    const forced = await open(m.dir, { pooling: 'mean', queryInstruction: '', passagePrefix: '' });
    const [w] = await forced.embedDocuments(['of the']);
    expect(close(w!, expected(m, ['of', 'the']))).toBe(true);
    expect(forced.id).not.toBe(e.id);
    await forced.close();
  });

  it('e5 and nomic get their prefixes on the right side: queries one, passages the other', async () => {
    const words = ['query', 'passage', 'search', '_', 'document', 'apprentice'];
    for (const [name, query, passage] of [
      ['multilingual-e5-small', ['query', '[UNK]'], ['passage', '[UNK]']],
      ['nomic-embed-text-v1.5', ['search', '_', 'query', '[UNK]'], ['search', '_', 'document', '[UNK]']],
    ] as const) {
      const m = makeTinyModel(path.join(tempDir(), name), { dim: 16, extra: words });
      const e = await open(m.dir);
      expect(e.settings.pooling).toBe('mean');
      const q = await e.embedQuery('apprentice');
      expect(close(q, expected(m, [...query, 'apprentice'])), `${name} query`).toBe(true);
      const [d] = await e.embedDocuments(['apprentice']);
      expect(close(d!, expected(m, [...passage, 'apprentice'])), `${name} passage`).toBe(true);
      await e.close();
    }
  });

  it('the id fingerprints the ONNX file: another model in a folder of the same name is another embedder', async () => {
    const parent = tempDir();
    const a = makeTinyModel(path.join(parent, 'same-name'), { dim: 16 });
    const first = await open(a.dir);
    await first.close();
    fs.rmSync(a.dir, { recursive: true });
    makeTinyModel(path.join(parent, 'same-name'), { dim: 16, groups: [['apprentice', 'school']] });
    const second = await open(a.dir);
    expect(second.id.split('@')[0]).toBe(first.id.split('@')[0]);
    expect(second.id).not.toBe(first.id);
    await second.close();
  });
});

describe('token limits', () => {
  it("a placeholder model_max_length yields to the model's limit; a longer passage is embedded in parts", async () => {
    const m = makeTinyModel(path.join(tempDir(), 'long-limit'), { dim: 16 });
    const edit = (file: string, change: Record<string, unknown>) => {
      const f = path.join(m.dir, file);
      fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), ...change }));
    };
    edit('tokenizer_config.json', { model_max_length: 1e30 });
    edit('config.json', { max_position_embeddings: 8 });
    const e = await TransformersEmbedder.open({
      model: m.dir,
      modelsDir: tempDir(),
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 4,
      passagePrefix: 'pupils ',
    });
    expect(e.overLimit).toEqual({ texts: 0, tokens: 8 });
    // 8 tokens: [CLS], the prefix, 5 words, [SEP]. Eleven words make parts of 5, 5 and 1.
    const long = 'apprentice school pupils training skills employer plan the of and';
    const [a, b, short] = await e.embedDocuments([`${long} attendance`, `${long} absence`, 'apprentice school']);
    // The words after the 8th token are in the vector: the two texts differ only there, and so do their vectors.
    expect([...a!]).not.toEqual([...b!]);
    expect(e.overLimit.texts).toBe(2);
    // The vector is the mean of the parts' vectors, each as the passage prefix and its words, weighted by tokens.
    const parts = ['apprentice school pupils training skills', 'employer plan the of and', 'attendance'];
    const alone = await e.embedDocuments(parts);
    const tokens = [8, 8, 4];
    const sum = alone[0]!.map((_, j) => parts.reduce((acc, _p, k) => acc + alone[k]![j]! * tokens[k]!, 0));
    const norm = Math.hypot(...sum);
    [...a!].forEach((x, j) => expect(x).toBeCloseTo(sum[j]! / norm, 5));
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    // Alone, each part fits: nothing more was split.
    expect(e.overLimit.texts).toBe(2);
    expect(short).toBeDefined();
    await e.close();
  });
});

describe('the length a model was trained on', () => {
  it("sentence_bert_config.json's max_seq_length is the limit when shorter than the tokenizer's", async () => {
    const m = makeTinyModel(path.join(tempDir(), 'all-MiniLM-L6-v2'), { dim: 16 });
    const open = () =>
      TransformersEmbedder.open({
        model: m.dir,
        modelsDir: tempDir(),
        offline: true,
        quantized: true,
        threads: 1,
        batchSize: 4,
      });
    const plain = await open();
    const tokenizerLimit = plain.overLimit.tokens;
    await plain.close();
    fs.writeFileSync(path.join(m.dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 6 }));
    const e = await open();
    expect(tokenizerLimit).toBeGreaterThan(6);
    expect(e.overLimit.tokens).toBe(6);
    expect(e.settings.maxTokens).toBe(6);
    expect(e.description).toMatch(/6 tokens at most/);
    // The limit is part of the identity: vectors of long passages change with it.
    expect(e.id).not.toBe(plain.id);
    const [v] = await e.embedDocuments(['apprentice school pupils training skills employer']);
    expect(e.overLimit.texts).toBe(1);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
    await e.close();
  });
});

describe('threads', () => {
  // onnxruntime starts threads - 1 workers for a session's intra-op pool (the caller is the last one); counted in
  // /proc, where Linux lists every thread of this process.
  it.runIf(fs.existsSync('/proc/self/task'))('KB_EMBED_THREADS sets the threads onnxruntime runs', async () => {
    const tasks = () => fs.readdirSync('/proc/self/task').length;
    const open = (threads: number) =>
      TransformersEmbedder.open({
        model: makeTinyModel(path.join(tempDir(), 'threads'), { dim: 16 }).dir,
        modelsDir: tempDir(),
        offline: true,
        quantized: true,
        threads,
        batchSize: 4,
      });
    const warm = await open(1);
    await warm.embedDocuments(['apprentice']);
    const started: Record<number, number[]> = { 1: [], 3: [] };
    const opened = [warm];
    for (const threads of [1, 3, 1, 3]) {
      const before = tasks();
      const e = await open(threads);
      opened.push(e);
      await e.embedDocuments(['apprentice school']);
      started[threads]!.push(tasks() - before);
    }
    // Another thread of this process may start meanwhile: the fewest seen is the session's.
    expect(Math.min(...started[1]!)).toBe(0);
    expect(Math.min(...started[3]!)).toBe(2);
    for (const e of opened) await e.close();
  });
});

describe('queries and ingest', () => {
  it('a query never waits for a whole batch of passages: it is answered between slices', async () => {
    const m = makeTinyModel(path.join(tempDir(), 'busy'), { dim: 16 });
    const e = await TransformersEmbedder.open({
      model: m.dir,
      modelsDir: tempDir(),
      offline: true,
      quantized: true,
      threads: 1,
      batchSize: 2_000,
    });
    const texts = Array.from({ length: 2_000 }, (_, i) => `apprentice school pupils training ${i}`);
    const order: string[] = [];
    const documents = e.embedDocuments(texts).then((v) => {
      order.push('documents');
      return v;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const query = e.embedQuery('apprentice').then(() => order.push('query'));
    const [vectors] = await Promise.all([documents, query]);
    expect(order).toEqual(['query', 'documents']);
    expect(vectors).toHaveLength(2_000);
    // Sliced or not, a passage's vector is the same.
    const [alone] = await e.embedDocuments([texts[1_234]!]);
    expect([...vectors[1_234]!]).toEqual([...alone!]);
    await e.close();
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
    const openAt = (root: string, quantized: boolean) =>
      TransformersEmbedder.open({ model: root, modelsDir, offline: true, quantized, threads: 1, batchSize: 8 });
    expect((await importModelChecked(source.dir, modelsDir, 'council/tiny', openAt)).id).toBe('council/tiny');
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
    await expect(importModelChecked(source.dir, modelsDir, 'council/broken', openAt)).rejects.toThrow(/missing .*onnx/);
  });
});
