import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One temporary folder per test run, under which every test's temporary
 * data folders are made (test/helpers.ts tempDir), removed when the run
 * ends. KB_KEEP_TEMP=1 keeps it for a post-mortem.
 */
export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-run-'));
  process.env.KB_TEST_TMP = root;
  return () => {
    if (!process.env.KB_KEEP_TEMP) fs.rmSync(root, { recursive: true, force: true });
  };
}
