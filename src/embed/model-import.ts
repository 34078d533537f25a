import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KbError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { checkModel, type Check } from './model-check.js';
import { assertModelFolder, onnxFile } from './model-files.js';

/** What `kb model import` records beside an installed model: where it came from and every file's checksum. */
export interface ModelManifest {
  model: string;
  imported_at: string;
  source: string;
  /** For a pulled model: the host, the revision asked for and the commit the host served. */
  host?: string;
  revision?: string;
  commit?: string | null;
  files: { path: string; bytes: number; sha256: string }[];
}

export const MANIFEST = 'kb-model.json';
const ARCHIVE = /\.(zip|tar|tar\.gz|tgz)$/i;

function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every file under a folder, relative, sorted. */
function filesUnder(dir: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : e.isFile() ? [path.join(rel, e.name)] : [],
    )
    .sort();
}

/** An archive entry's path, or an error when it would land outside the folder it is unpacked into. */
function safeEntry(archive: string, name: string): string {
  const clean = path.posix.normalize(name.replace(/\\/g, '/'));
  if (clean.startsWith('../') || clean === '..' || path.posix.isAbsolute(clean))
    throw new KbError('MODEL_INVALID', { model: archive, detail: `the archive holds a path outside itself (${name})` });
  return clean;
}

/** Unpacks a .zip (JSZip) or .tar/.tar.gz (tar) into a folder: files and folders only, never outside it. */
async function unpack(archive: string, into: string): Promise<void> {
  fs.mkdirSync(into, { recursive: true });
  if (/\.zip$/i.test(archive)) {
    const { default: JSZip } = await import('jszip');
    const zip = await JSZip.loadAsync(fs.readFileSync(archive));
    for (const entry of Object.values(zip.files)) {
      const rel = safeEntry(archive, entry.name);
      const target = path.join(into, rel);
      if (entry.dir) fs.mkdirSync(target, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, await entry.async('nodebuffer'));
      }
    }
    return;
  }
  const tar = await import('tar');
  await tar.x({
    file: archive,
    cwd: into,
    strict: true,
    filter: (p, entry) => {
      safeEntry(archive, p);
      const type = (entry as { type?: string }).type;
      return type === 'File' || type === 'Directory' || type === 'OldFile';
    },
  });
}

/** The model's folder inside what was unpacked: the folder itself, or its one folder holding config.json. */
function modelRoot(dir: string): string {
  if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  const inner = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  if (inner.length === 1 && fs.existsSync(path.join(dir, inner[0]!.name, 'config.json')))
    return path.join(dir, inner[0]!.name);
  return dir;
}

/**
 * Installs a model copied from elsewhere (a folder, or a .zip or .tar
 * archive of one) under the models folder as `name`: unpacked and checked in
 * a temporary folder (its files complete; then loaded through the real path
 * and made to embed, see model-check.ts: the ONNX graph's inputs and outputs
 * and the tokenizer are what that exercises), its files' checksums written to
 * kb-model.json, then moved into place in one rename. A model that fails is
 * not installed, and one installed before under the name is left as it was.
 */
export async function importModelChecked(
  source: string,
  modelsDir: string,
  name: string | undefined,
  open: (dir: string, quantized: boolean) => Promise<Embedder>,
  provenance: Pick<ModelManifest, 'source' | 'host' | 'revision' | 'commit'> | null = null,
): Promise<{ id: string; manifest: ModelManifest; checks: Check[] }> {
  const src = path.resolve(source);
  if (!fs.existsSync(src)) throw new KbError('MODEL_NOT_FOUND', { model: src });
  const isArchive = fs.statSync(src).isFile();
  if (isArchive && !ARCHIVE.test(src))
    throw new KbError('MODEL_INVALID', { model: src, detail: 'a file that is not a .zip, .tar or .tar.gz archive' });
  const id = name ?? path.basename(src).replace(ARCHIVE, '');
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(id))
    throw new KbError('USAGE', { detail: `model name "${id}" must look like "owner/name" or "name"` });
  const target = path.join(modelsDir, ...id.split('/'));
  const temp = path.join(modelsDir, `.importing-${process.pid}-${Date.now()}`);
  fs.mkdirSync(modelsDir, { recursive: true });
  try {
    if (isArchive) await unpack(src, path.join(temp, 'unpacked'));
    else fs.cpSync(src, path.join(temp, 'unpacked'), { recursive: true });
    const root = modelRoot(path.join(temp, 'unpacked'));
    const quantized = fs.existsSync(path.join(root, onnxFile(true)));
    assertModelFolder(root, quantized);
    const embedder = await open(root, quantized);
    let result: Awaited<ReturnType<typeof checkModel>>;
    try {
      result = await checkModel(embedder);
    } finally {
      await embedder.close();
    }
    if (!result.ok)
      throw new KbError('MODEL_INVALID', {
        model: src,
        detail: result.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.check}: ${c.detail}`)
          .join('; '),
      });
    const manifest: ModelManifest = {
      model: id,
      imported_at: new Date().toISOString(),
      source: src,
      ...provenance,
      files: filesUnder(root).map((f) => ({
        path: f.split(path.sep).join('/'),
        bytes: fs.statSync(path.join(root, f)).size,
        sha256: sha256File(path.join(root, f)),
      })),
    };
    fs.writeFileSync(path.join(root, MANIFEST), JSON.stringify(manifest, null, 2));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const old = `${temp}-previous`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(root, target);
    fs.rmSync(old, { recursive: true, force: true });
    return { id, manifest, checks: result.checks };
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}
