import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import type { Pipeline } from '../../ingest/pipeline.js';
import { kb as runKb, query, SAMPLES, tempDir } from '../helpers.js';
import { writeHostileCorpus, type HostileFile } from '../fixtures/make-hostile.js';

const LIMITS = {
  maxFileBytes: 2_000_000,
  parseTimeoutMs: 10_000,
  parseMemoryMb: 256,
  maxUnpackedBytes: 64 * 1024 * 1024,
};
/**
 * Peak memory a bad file may add to the process: the parser's ceiling, the unpacking budget, and room for the runtime.
 */
const PEAK_BOUND_MB = LIMITS.parseMemoryMb + LIMITS.maxUnpackedBytes / 2 ** 20 + 192;

/** Peak resident memory of this process since the last reset (Linux), in MiB; null where it cannot be measured. */
function peakMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
function resetPeak(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

describe('a corpus of broken and hostile files', () => {
  let config: Config;
  let kb: KnowledgeBase;
  let pipeline: Pipeline;
  let dir: string;
  let corpus: HostileFile[];
  const snapshot = () =>
    query(
      config.dataDir,
      'SELECT d.id, d.sha256, d.title, p.id AS pid, p.text FROM documents d JOIN passages p ON p.doc_id = d.id ' +
        'ORDER BY p.id',
    );

  beforeAll(async () => {
    config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent', ...LIMITS });
    kb = await KnowledgeBase.open(config, silentLogger);
    pipeline = kb.pipeline;
    await kb.ingest(
      ['2024-01-09-weekly-update.txt', 'send-inclusion-strategy-2025-2028.pdf'].map((f) => path.join(SAMPLES, f)),
    );
    dir = tempDir('kb-hostile-');
    corpus = await writeHostileCorpus(dir, LIMITS.maxFileBytes);
  });
  afterAll(async () => {
    await kb?.close();
  });

  it(
    'each bad file fails alone, within its time limit, with an error naming it and the reason, and bounded memory; ' +
      'stored documents are untouched',
    async () => {
      const before = snapshot();
      expect(before.length).toBeGreaterThan(3);
      const measured = resetPeak() && peakMb() !== null;
      const table: string[] = [];
      for (const f of corpus.filter((c) => c.code)) {
        const base = measured ? (resetPeak(), peakMb()!) : 0;
        const started = performance.now();
        const results = await pipeline.ingestFile(path.join(dir, f.name));
        const ms = performance.now() - started;
        const peak = measured ? peakMb()! - base : 0;
        table.push(
          `${f.name.padEnd(20)} ${results[0]?.error?.code ?? results[0]?.status} ${Math.round(ms)} ms, ` +
            `+${Math.round(peak)} MiB`,
        );
        expect(results, f.what).toHaveLength(1);
        const r = results[0]!;
        expect(r.status, `${f.name}: ${f.what}`).toBe('failed');
        expect(r.error!.code, `${f.name}: ${f.what}: ${r.error!.message}`).toBe(f.code);
        expect(r.error!.message, f.name).toContain(f.name);
        expect(r.error!.hint.length, f.name).toBeGreaterThan(10);
        // Within the parse time limit (with room for starting the parser), and within the memory bound.
        expect(ms, f.name).toBeLessThan(LIMITS.parseTimeoutMs + 5_000);
        if (measured) expect(peak, `${f.name}: peak memory`).toBeLessThan(PEAK_BOUND_MB);
      }
      process.stderr.write(`hostile corpus (file, outcome, time, peak memory added):\n  ${table.join('\n  ')}\n`);
      expect(snapshot()).toEqual(before);
      expect(kb.store.check()).toEqual([]);
      await kb.refresh();
      expect(kb.index.current()!.size()).toBe(before.length);
    },
  );

  it('a file named with ../ and control characters is stored with the name cleaned, as a label only', async () => {
    const named = corpus.find((c) => c.code === null)!;
    const [r] = await pipeline.ingestFile(path.join(dir, named.name));
    expect(r!.status).toBe('added');
    const doc = kb.store.documents.get(r!.document_id!)!;
    expect(doc.file_name).toBe('evil..[2Jname.txt');
    expect(doc.file_name).not.toMatch(/[\u0000-\u001f]/);
    for (const f of fs.readdirSync(path.join(config.dataDir, 'files')))
      expect(f).toMatch(/^[0-9a-f]{64}\.[a-z0-9]{1,8}$/);
  });

  it(
    'kb ingest over the whole corpus: exit 1, one clear failure per bad file, the good one stored, no control ' +
      'characters in what it prints',
    () => {
      const data = tempDir();
      const env = {
        KB_MAX_FILE_BYTES: String(LIMITS.maxFileBytes),
        KB_PARSE_TIMEOUT_MS: String(LIMITS.parseTimeoutMs),
        KB_PARSE_MEMORY_MB: String(LIMITS.parseMemoryMb),
        KB_MAX_UNPACKED_BYTES: String(LIMITS.maxUnpackedBytes),
      };
      const json = runKb(['--data', data, '--json', 'ingest', dir], env);
      expect(json.code).toBe(1);
      const lines = json.json();
      const summary = lines.at(-1)!.summary;
      expect(summary).toMatchObject({ files: corpus.length, added: 1, failed: corpus.length - 1 });
      for (const f of corpus.filter((c) => c.code)) {
        const line = lines.find((l) => l.source_id?.endsWith(f.name));
        expect(line, f.name).toMatchObject({ status: 'failed', error: { code: f.code } });
      }
      const human = runKb(['--data', tempDir(), 'ingest', dir], env);
      expect(human.code).toBe(1);
      expect(human.stdout + human.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(human.stdout).toMatch(/added +\[\d+\] A note with a hostile name/);
      expect(runKb(['--data', data, 'verify']).code).toBe(0);
    },
  );
});
