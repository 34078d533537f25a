import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { ROOT, SAMPLES, tempDir } from '../helpers.js';

const BIN = path.join(ROOT, 'src', 'bin', 'kb.js');
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
if (!HAS_SCRIPT) process.stderr.write('note: `script` (util-linux) is missing: the terminal tests are skipped\n');

/** Runs `kb` under a pseudo-terminal (util-linux `script`), as a person would, and returns what it wrote. */
function onTerminal(args: string[], env: Record<string, string> = {}): { code: number | null; raw: string } {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, KB_OFFLINE: '1', COLUMNS: '120', LINES: '50', ...env },
    timeout: 120_000,
  });
  return { code: r.status, raw: r.stdout };
}

/** The screen's lines after a terminal of that width has shown the output (xterm.js, headless). */
async function screen(raw: string, cols = 120): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows: 50, scrollback: 10_000, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(raw.replace(/\r?\n/g, '\r\n'), resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)!.translateToString(true));
  term.dispose();
  return lines.filter((l) => l.trim());
}

describe.skipIf(!HAS_SCRIPT)('the CLI on a terminal', () => {
  it('kb ingest: every result line is printed whole, never into the bar, and the bar is gone at the end', async () => {
    const data = tempDir();
    const { code, raw } = onTerminal(['--data', data, 'ingest', SAMPLES]);
    expect(code).toBe(0);
    // The bar was drawn (a terminal), and the result lines are what --json reports, one per document.
    expect(raw).toMatch(/░|█/);
    const json = spawnSync(process.execPath, [BIN, '--data', tempDir(), '--json', 'ingest', SAMPLES], {
      encoding: 'utf8',
      env: { ...process.env, KB_OFFLINE: '1' },
    });
    const results = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { title?: string; status?: string; summary?: unknown })
      .filter((r) => !r.summary);
    expect(results.length).toBeGreaterThan(5);
    const lines = await screen(raw);
    const resultLines = lines.filter((l) => /^\s*(added|updated|unchanged|failed)\b/.test(l));
    expect(resultLines.length, lines.join('\n')).toBe(results.length);
    for (const line of resultLines) expect(line, 'no bar inside a result line').not.toMatch(/[░█]/);
    for (const r of results) expect(resultLines.some((l) => l.includes(r.title!))).toBe(true);
    expect(
      lines.some((l) => /[░█]/.test(l)),
      'the bar is cleared when done',
    ).toBe(false);
    expect(lines.at(-1)).toMatch(/documents: \d+ added/);
    fs.rmSync(data, { recursive: true, force: true });
  });

  it('kb --json on a terminal: JSON lines only on stdout, no bar', () => {
    const data = tempDir();
    const { code, raw } = onTerminal(['--data', data, '--json', 'ingest', SAMPLES], { KB_LOG_LEVEL: 'silent' });
    expect(code).toBe(0);
    expect(raw).not.toMatch(/░|█/);
    for (const line of raw.split(/\r?\n/).filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
  });
});

describe('kb --help', () => {
  it('every command has examples in its --help, and kb --version prints the version', async () => {
    // In process: the same program the binary runs, without starting Node for each command.
    const run = async (args: string[]) => {
      let stdout = '';
      const out = new Writable({
        write(chunk, _enc, done) {
          stdout += String(chunk);
          done();
        },
      });
      await main(args, { KB_OFFLINE: '1' }, out, process.stderr);
      return { stdout };
    };
    const top = (await run(['--help'])).stdout;
    const commands = [...top.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(8);
    const missing: string[] = [];
    const check = async (path: string[]) => {
      const help = (await run([...path, '--help'])).stdout;
      if (!/\nExamples:\n {2}kb /.test(help)) missing.push(path.join(' '));
      return help;
    };
    for (const c of commands) {
      const help = await check([c]);
      const sub = help.includes('\nCommands:\n') ? help.split('\nCommands:\n')[1]! : '';
      for (const m of sub.matchAll(/^ {2}([a-z]+)\b/gm)) if (m[1] !== 'help') await check([c, m[1]!]);
    }
    expect(missing).toEqual([]);
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await run(['--version'])).stdout.trim()).toBe(version);
  });
});
