import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { importModelChecked, MANIFEST, type ModelManifest } from '../../src/embed/model-import.js';
import { TransformersEmbedder } from '../../src/embed/transformers.js';
import { isKbError } from '../../src/errors.js';
import { makeTinyModel } from '../fixtures/make-model.js';
import { kb, tempDir } from '../helpers.js';

const open = (modelsDir: string) => (root: string, quantized: boolean) =>
  TransformersEmbedder.open({ model: root, modelsDir, offline: true, quantized, threads: 1, batchSize: 8 });
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err) => (isKbError(err) ? { code: err.code, message: err.message } : String(err)),
  );
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('kb model import: a model an administrator can trust', () => {
  it('a folder is checked by embedding with it, installed in one move, its checksums recorded', async () => {
    const modelsDir = tempDir();
    const source = makeTinyModel(path.join(tempDir(), 'from-usb'), { dim: 8 });
    const { id, manifest, checks } = await importModelChecked(source.dir, modelsDir, 'council/tiny', open(modelsDir));
    expect(id).toBe('council/tiny');
    expect(checks.every((c) => c.ok)).toBe(true);
    const installed = path.join(modelsDir, 'council', 'tiny');
    const onDisk = JSON.parse(fs.readFileSync(path.join(installed, MANIFEST), 'utf8')) as ModelManifest;
    expect(onDisk).toEqual(manifest);
    const onnx = manifest.files.find((f) => f.path === 'onnx/model_quantized.onnx')!;
    expect(onnx.sha256).toBe(sha(path.join(source.dir, 'onnx', 'model_quantized.onnx')));
    expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json']));
    expect(fs.readdirSync(modelsDir).filter((n) => n.startsWith('.importing'))).toEqual([]);
  });

  it('a .tar.gz or a .zip of the folder is unpacked and installed the same way', async () => {
    const modelsDir = tempDir();
    const source = makeTinyModel(path.join(tempDir(), 'tiny-export'), { dim: 8 });
    const tgz = path.join(tempDir(), 'tiny-export.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: path.dirname(source.dir) }, ['tiny-export']);
    expect((await importModelChecked(tgz, modelsDir, undefined, open(modelsDir))).id).toBe('tiny-export');
    const zip = new JSZip();
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'])
      zip.file(`tiny-export/${f}`, fs.readFileSync(path.join(source.dir, f)));
    const zipFile = path.join(tempDir(), 'tiny-export.zip');
    fs.writeFileSync(zipFile, await zip.generateAsync({ type: 'nodebuffer' }));
    expect((await importModelChecked(zipFile, modelsDir, 'council/zipped', open(modelsDir))).id).toBe('council/zipped');
    expect(fs.existsSync(path.join(modelsDir, 'council', 'zipped', 'onnx', 'model_quantized.onnx'))).toBe(true);
  });

  it('a graph that is not a sentence-embedding model is refused, and the model installed before is kept', async () => {
    const modelsDir = tempDir();
    const good = makeTinyModel(path.join(tempDir(), 'good'), { dim: 8 });
    await importModelChecked(good.dir, modelsDir, 'council/model', open(modelsDir));
    const before = sha(path.join(modelsDir, 'council', 'model', 'onnx', 'model_quantized.onnx'));
    const classifier = makeTinyModel(path.join(tempDir(), 'classifier'), { dim: 8, outputName: 'logits_pooled' });
    const err = await codeOf(importModelChecked(classifier.dir, modelsDir, 'council/model', open(modelsDir)));
    expect(err).toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringMatching(/gives logits_pooled; a sentence-embedding model .* gives last_hidden_state/),
    });
    expect(sha(path.join(modelsDir, 'council', 'model', 'onnx', 'model_quantized.onnx'))).toBe(before);
  });

  it('an archive with a path outside itself is refused before anything is written there', async () => {
    const modelsDir = tempDir();
    const zip = new JSZip();
    zip.file('../../escaped.txt', 'gotcha');
    zip.file('model/config.json', '{}');
    const file = path.join(tempDir(), 'evil.zip');
    fs.writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer' }));
    expect(await codeOf(importModelChecked(file, modelsDir, 'evil', open(modelsDir)))).toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringContaining('a path outside itself'),
    });
    expect(fs.existsSync(path.join(modelsDir, '..', 'escaped.txt'))).toBe(false);
    expect(fs.readdirSync(modelsDir)).toEqual([]);
  });

  it('kb model test says whether a model works, check by check; a damaged one fails with a coded error', () => {
    const model = makeTinyModel(path.join(tempDir(), 'tiny-bert'), { dim: 16 });
    const ok = kb(['--json', 'model', 'test', model.dir]);
    expect(ok.code).toBe(0);
    const report = ok.json()[0]!;
    expect(report).toMatchObject({ ok: true, model: model.dir });
    expect(report.checks.map((c: { check: string }) => c.check)).toEqual([
      'embeds text',
      'dimension',
      'finite numbers',
      'unit length',
      'same text, same vector',
      'different texts, different vectors',
      'embeds a query',
    ]);
    expect(kb(['model', 'test', model.dir]).stdout).toMatch(/ok +dimension: 16 \(stated 16\)[\s\S]*The model works\./);
    fs.writeFileSync(path.join(model.dir, 'onnx', 'model_quantized.onnx'), 'not an onnx file');
    const broken = kb(['--json', 'model', 'test', model.dir]);
    expect(broken.code).toBe(3);
    expect(broken.json()[0]!.error.code).toBe('MODEL_LOAD_FAILED');
  });
});
