import fs from 'node:fs';
import path from 'node:path';
import { KbError } from '../errors.js';

/**
 * Model folders on disk, in the layout transformers.js reads:
 * config.json, tokenizer.json, tokenizer_config.json, onnx/model[_quantized].onnx.
 */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

export function onnxFile(quantized: boolean): string {
  return path.join('onnx', quantized ? 'model_quantized.onnx' : 'model.onnx');
}

/** What a model folder lacks, if anything (empty when it is complete). */
export function missingModelFiles(dir: string, quantized: boolean): string[] {
  const needed = [...REQUIRED_FILES, onnxFile(quantized)];
  return needed.filter((f) => !fs.existsSync(path.join(dir, f)));
}

export function assertModelFolder(dir: string, quantized: boolean): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new KbError('MODEL_NOT_FOUND', { model: dir });
  const missing = missingModelFiles(dir, quantized);
  if (missing.length) throw new KbError('MODEL_INCOMPLETE', { model: dir, missing: missing.join(', ') });
}

/** Where a model is: a folder named by KB_MODEL, or the model id inside the models folder. */
export interface ModelLocation {
  /** The name transformers.js is given, relative to localModelPath. */
  name: string;
  /** The folder transformers.js resolves names against. */
  localModelPath: string;
  /** The model's own folder. */
  dir: string;
  /** True when KB_MODEL named a folder rather than a model id. */
  isPath: boolean;
}

export function locateModel(model: string, modelsDir: string): ModelLocation {
  const looksLikePath = model.startsWith('.') || model.startsWith('/') || model.startsWith('~') || fs.existsSync(model);
  if (looksLikePath) {
    const dir = path.resolve(model);
    return { name: path.basename(dir), localModelPath: path.dirname(dir) + path.sep, dir, isPath: true };
  }
  return {
    name: model,
    localModelPath: modelsDir + path.sep,
    dir: path.join(modelsDir, ...model.split('/')),
    isPath: false,
  };
}

export function isModelInstalled(location: ModelLocation, quantized: boolean): boolean {
  return fs.existsSync(location.dir) && missingModelFiles(location.dir, quantized).length === 0;
}

/** Models installed under the models folder (folders holding a config.json), as ids. */
export function installedModels(modelsDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 3 || !fs.existsSync(dir)) return;
    if (fs.existsSync(path.join(dir, 'config.json'))) {
      found.push(path.relative(modelsDir, dir).split(path.sep).join('/'));
      return;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) walk(path.join(dir, e.name), depth + 1);
  };
  walk(modelsDir, 0);
  return found.sort();
}

/**
 * The last failed download, remembered in the models folder so that every
 * command does not try (and wait for) the network again: which model, from
 * which host, when, and why.
 */
export interface DownloadFailure {
  model: string;
  host: string;
  at: string;
  reason: string;
}

const DOWNLOAD_FAILURE_FILE = 'last-download-failure.json';

export function lastDownloadFailure(modelsDir: string): DownloadFailure | null {
  try {
    const f = JSON.parse(fs.readFileSync(path.join(modelsDir, DOWNLOAD_FAILURE_FILE), 'utf8')) as DownloadFailure;
    return typeof f.model === 'string' && typeof f.at === 'string' && !Number.isNaN(Date.parse(f.at)) ? f : null;
  } catch {
    return null;
  }
}

/** Remembers a failed download (best effort: a read-only folder just means the next command tries again). */
export function rememberDownloadFailure(modelsDir: string, failure: DownloadFailure): void {
  try {
    fs.mkdirSync(modelsDir, { recursive: true });
    const file = path.join(modelsDir, DOWNLOAD_FAILURE_FILE);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(failure) + '\n');
    fs.renameSync(`${file}.tmp`, file);
  } catch {
    // Not remembered: nothing else depends on it.
  }
}

export function forgetDownloadFailure(modelsDir: string): void {
  fs.rmSync(path.join(modelsDir, DOWNLOAD_FAILURE_FILE), { force: true });
}
