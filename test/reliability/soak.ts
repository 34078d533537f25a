/**
 * `npm run soak [-- --rounds N --documents N --seed N]`: many more crash
 * rounds than the test suite runs (test/reliability/crash.test.ts): ingest,
 * reindex and delete, each killed with SIGKILL at a random moment, and
 * backups taken while documents are deleted, each checked against an
 * uninterrupted run, `kb verify` and what is left on disk. Exits 1 on the
 * first inconsistency.
 */
import {
  backupRound,
  deleteRound,
  ingestRound,
  reference,
  reindexRound,
  seeded,
  timings,
  writeCorpus,
} from './crash.js';
import { tempDir } from '../helpers.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('rounds', 30);
const documents = arg('documents', 300);
const seed = arg('seed', Date.now() % 100_000);
const rand = seeded(seed);

const corpus = tempDir('kb-soak-');
console.log(`soak: ${rounds} rounds of ingest, reindex and delete over ${documents} documents (seed ${seed})`);
await writeCorpus(corpus, documents);
const ref = await reference(corpus);
const ids = Array.from({ length: documents }, (_, i) => i + 1).filter((id) => id % 3 === 0);
const timing = await timings(ref.data, ids);
let killed = 0;
for (let i = 1; i <= rounds; i++) {
  for (const r of [
    await ingestRound(corpus, ref, rand),
    await reindexRound(ref.data, timing.reindex, rand),
    await deleteRound(ref.data, timing.delete, ids, rand),
    await backupRound(ref.data, ids, rand),
  ]) {
    if (r.killed) killed++;
    console.log(
      `round ${i} ${r.kind.padEnd(8)} killed ${r.killed ? `after ${r.killedAfterMs} ms` : 'never'}, ${r.reported} ` +
        `reported: ${r.problems.length ? r.problems.join('; ') : 'consistent'}`,
    );
    if (r.problems.length) {
      console.log(`FAILED (replay with --seed ${seed})`);
      process.exit(1);
    }
  }
}
console.log(`soak: ${rounds * 4} rounds, ${killed} killed mid-work, all consistent`);
