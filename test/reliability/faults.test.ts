import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kb, SAMPLES, tempDir, writeFile } from '../helpers.js';

/**
 * Faults of the machine, not of the input: a full disk, a read-only data
 * folder, a damaged database. Each gets its own code, message and hint, and
 * searching goes on where it can. The full and read-only cases need a small
 * file system of their own (tmpfs, mounted as root); where this machine does
 * not allow mounting they are skipped, and say so.
 */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const PROBE = tempDir('kb-mount-probe-');
const CAN_MOUNT = mountTmpfs(PROBE, '64k') && (execFileSync('umount', [PROBE]), true);
if (!CAN_MOUNT)
  process.stderr.write('note: cannot mount a tmpfs here (needs root): the full-disk and read-only tests are skipped\n');

describe.skipIf(!CAN_MOUNT)('a full disk and a read-only data folder', () => {
  let mount: string;
  let data: string;
  beforeAll(() => {
    mount = tempDir('kb-small-disk-');
    expect(mountTmpfs(mount, '24m')).toBe(true);
    data = path.join(mount, 'data');
    expect(kb(['--data', data, 'ingest', SAMPLES]).code).toBe(0);
  });
  afterAll(() => {
    try {
      execFileSync('umount', [mount]);
    } catch {
      // already gone
    }
  });

  it('full: searching, stats and verify work; adding a document fails with DISK_FULL and changes nothing', () => {
    const filler = path.join(mount, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M', 'count=64'], { stdio: 'ignore' });
    } catch {
      // dd stops when the disk is full: that is the point
    }
    const search = kb(['--data', data, '--json', 'search', 'apprenticeships', '-k', '2']);
    expect(search.code).toBe(0);
    expect(search.json()[0]!.results.length).toBeGreaterThan(0);
    expect(kb(['--data', data, 'stats']).code).toBe(0);
    expect(kb(['--data', data, 'verify']).code).toBe(0);
    const before = kb(['--data', data, '--json', 'stats']).json()[0]!;
    const doc = writeFile(
      tempDir(),
      'new.txt',
      `New note 9 July 2024\n\n${'A paragraph about school transport and the forms to fill in. '.repeat(400)}`,
    );
    const add = kb(['--data', data, '--json', 'ingest', doc]);
    expect(add.code).toBeGreaterThan(0);
    // Refused when the folder is opened for writing, or as the file's own failure: either way, the disk is named full.
    const error = add.json().find((l) => l.error)!.error;
    expect(error).toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('is full') });
    expect(error.hint).toMatch(/Free some space/);
    expect(add.stderr).not.toMatch(/Internal error|This is a bug/);
    expect(kb(['--data', data, '--json', 'stats']).json()[0]).toMatchObject({
      documents: before.documents,
      passages: before.passages,
    });
    fs.rmSync(filler);
    expect(kb(['--data', data, 'verify']).code).toBe(0);
  });

  it('read-only: searching and stats work; a write fails with DATA_READ_ONLY naming the folder', () => {
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    try {
      const search = kb(['--data', data, '--json', 'search', 'attendance', '-k', '1']);
      expect(search.code, search.stderr).toBe(0);
      expect(search.json()[0]!.results).toHaveLength(1);
      expect(kb(['--data', data, 'stats']).code).toBe(0);
      const doc = writeFile(
        tempDir(),
        'another.txt',
        'Another note 9 July 2024\n\nA paragraph about school meals this autumn.',
      );
      const add = kb(['--data', data, '--json', 'ingest', doc]);
      expect(add.code).toBeGreaterThan(0);
      const error = add.json().find((l) => l.error)!.error;
      expect(error).toMatchObject({ code: 'DATA_READ_ONLY', message: expect.stringContaining(data) });
      expect(add.stderr).not.toMatch(/Internal error|This is a bug/);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mount]);
    }
  });
});

describe('a damaged database', () => {
  it('verify exits 1 and points at kb restore; nothing says "internal error"', () => {
    const data = tempDir();
    expect(kb(['--data', data, 'ingest', SAMPLES]).code).toBe(0);
    const file = path.join(data, 'kb.sqlite');
    const bytes = fs.readFileSync(file);
    for (let at = 4096; at < bytes.length; at += 8192) bytes.fill(0x5a, at, at + 2048);
    fs.writeFileSync(file, bytes);
    const verify = kb(['--data', data, '--json', 'verify']);
    expect(verify.code).toBe(1);
    const report = verify.json()[0]!;
    expect(report.ok).toBe(false);
    expect(JSON.stringify(report)).toMatch(/kb restore/);
    expect(verify.stderr + verify.stdout).not.toMatch(/Internal error|This is a bug/);
    const search = kb(['--data', data, 'search', 'apprenticeships']);
    expect(search.stderr + search.stdout).not.toMatch(/Internal error|This is a bug/);
  });
});
