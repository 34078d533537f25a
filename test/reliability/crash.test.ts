import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backupRound,
  deleteRound,
  ingestRound,
  reference,
  reindexRound,
  seeded,
  timings,
  writeCorpus,
  type Reference,
  type RoundReport,
} from './crash.js';
import { tempDir } from '../helpers.js';

/**
 * Crash safety: the real `kb`, killed with SIGKILL at random moments of its
 * work. A few rounds here; `npm run soak` runs as many as asked (test/reliability/soak.ts).
 * KB_CRASH_SEED replays a run.
 */
const ROUNDS = Number(process.env.KB_CRASH_ROUNDS ?? 3);
const SEED = Number(process.env.KB_CRASH_SEED ?? Date.now() % 100_000);
const DOCUMENTS = 200;

describe(`crash safety (SIGKILL at random moments; seed ${SEED})`, () => {
  let corpus: string;
  let ref: Reference;
  const reports: RoundReport[] = [];
  const rand = seeded(SEED);

  beforeAll(async () => {
    corpus = tempDir('kb-corpus-');
    await writeCorpus(corpus, DOCUMENTS);
    ref = await reference(corpus);
  }, 180_000);
  afterAll(() => {
    process.stderr.write(
      `crash rounds (seed ${SEED}):\n` +
        reports
          .map((r) => {
            const killed =
              r.note ?? (r.killed ? `killed ${r.killedAfterMs} ms into its work` : 'never killed (it finished first)');
            const outcome = r.problems.join('; ') || 'consistent';
            return `  ${r.kind.padEnd(8)} ${killed}, ${r.reported} reported, ${outcome}\n`;
          })
          .join(''),
    );
  });

  it('the uninterrupted reference run stores every document', () => {
    expect(ref.contents.size).toBe(DOCUMENTS);
  });

  it(
    `ingest, killed ${ROUNDS} times: nothing reported is lost, the next run completes it exactly as an uninterrupted ` +
      `run would, and all agrees`,
    async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const r = await ingestRound(corpus, ref, rand);
        reports.push(r);
        expect(r.problems, `round ${i + 1}, killed ${r.killedAfterMs} ms after its first document`).toEqual([]);
      }
      expect(reports.filter((r) => r.killed).length).toBeGreaterThan(0);
    },
    600_000,
  );

  it(
    `reindex and delete, killed ${ROUNDS} times each: what was stored is intact, what was reported deleted is gone, ` +
      `and all agrees`,
    async () => {
      const ids = Array.from({ length: DOCUMENTS }, (_, i) => i + 1).filter((id) => id % 3 === 0);
      const timing = await timings(ref.data, ids);
      for (let i = 0; i < ROUNDS; i++) {
        const r = await reindexRound(ref.data, timing.reindex, rand);
        reports.push(r);
        expect(r.problems, `reindex round ${i + 1}, killed after ${r.killedAfterMs} ms`).toEqual([]);
        const d = await deleteRound(ref.data, timing.delete, ids, rand);
        reports.push(d);
        expect(d.problems, `delete round ${i + 1}, killed ${d.killedAfterMs} ms after its first deletion`).toEqual([]);
      }
    },
    600_000,
  );

  it(
    `backups taken while documents are deleted (${ROUNDS} rounds): every backup restores with every original, ` +
      `and nothing is left on disk`,
    async () => {
      const ids = Array.from({ length: DOCUMENTS }, (_, i) => i + 1).filter((id) => id % 2 === 0);
      for (let i = 0; i < ROUNDS; i++) {
        const r = await backupRound(ref.data, ids, rand);
        reports.push(r);
        expect(r.problems, `backup round ${i + 1}`).toEqual([]);
      }
    },
    600_000,
  );
});
