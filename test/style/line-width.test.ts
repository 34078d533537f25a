import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

/**
 * The house style: Prettier formats the sources (its check runs first in
 * `npm test`), and no line of code is wider than 120 characters, long
 * strings and comments included (Prettier leaves those as they are).
 */
const WIDTH = 120;

describe('source style', () => {
  it(`no line of source, tests or the page is over ${WIDTH} characters`, () => {
    const files = execFileSync('git', ['ls-files', 'src', 'ingest', 'test', 'data/*.ts', 'web'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => /\.(ts|js|css|html)$/.test(f) && fs.existsSync(path.join(ROOT, f)));
    expect(files.length).toBeGreaterThan(50);
    const long = files.flatMap((f) =>
      fs
        .readFileSync(path.join(ROOT, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > WIDTH ? [`${f}:${i + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });
});
