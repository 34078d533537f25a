import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

/**
 * The ownership the code is built around, checked: the store owns every SQL
 * statement and meta key, the core imports neither the server nor the CLI,
 * the faces use the knowledge base rather than what is under it, and files
 * stay small enough to read.
 */
const files = (...dirs: string[]) =>
  execFileSync('git', ['ls-files', ...dirs], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|js)$/.test(f) && fs.existsSync(path.join(ROOT, f)));
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const imports = (f: string) => [...read(f).matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]!);

describe('architecture', () => {
  it('no SQL outside src/store: no prepare(), no better-sqlite3, no SQL statement', () => {
    const outside = files('src', 'ingest').filter((f) => !f.startsWith('src/store/'));
    const offenders = outside.filter(
      (f) =>
        /\.prepare\(\s*['`"]|better-sqlite3/.test(read(f)) ||
        /['`]\s*(SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET)\b/.test(read(f)),
    );
    expect(offenders).toEqual([]);
  });

  it('meta keys are named in the store (meta.ts and the schema) only', () => {
    const keys = /'(embedder_id|embedder_kind|embedder_dim|embedder_description|vectors_generation|schema_version)'/;
    const offenders = files('src', 'ingest').filter(
      (f) => !['src/store/meta.ts', 'src/store/schema.ts'].includes(f) && keys.test(read(f)),
    );
    expect(offenders).toEqual([]);
  });

  it('the core (store, embed, vector, search) imports neither Fastify, the server, the CLI nor the facade', () => {
    const core = files('src/store', 'src/embed', 'src/vector', 'src/search', 'src/text');
    const offenders = core.flatMap((f) =>
      imports(f)
        .filter((i) => /fastify|\/server\/|\/cli\/|knowledge-base|commander/.test(i))
        .map((i) => `${f} imports ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the CLI and the routes use the knowledge base and the request schemas, not the parts below', () => {
    const faces = files('src/cli', 'src/server');
    const parts = [
      'store/(documents|passage-reads|embedding-rows|listing)',
      'search/(searcher|lexical-leg|semantic-leg|hits)',
      'vector/index-keeper',
      'ingest/pipeline',
    ];
    const below = new RegExp(`/(${parts.join('|')})\\.js$`);
    const offenders = faces.flatMap((f) =>
      imports(f)
        .filter((i) => below.test(i))
        .map((i) => `${f} imports ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('no file of the program is over 300 lines, and the CLI program file is under 150', () => {
    const long = files('src', 'ingest')
      .map((f) => ({ f, lines: read(f).split('\n').length }))
      .filter((x) => x.lines > 300)
      .map((x) => `${x.f} (${x.lines})`);
    expect(long).toEqual([]);
    expect(read('src/cli/program.ts').split('\n').length).toBeLessThan(150);
  });
});
