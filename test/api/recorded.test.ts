import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { KnowledgeBase } from '../../src/knowledge-base.js';
import { silentLogger } from '../../src/log.js';
import { buildApp } from '../../src/server/app.js';
import { ROOT, SAMPLES, tempDir } from '../helpers.js';

/**
 * A recorded set of API requests over the bundled samples and the answers
 * they gave. A change that should not alter behaviour (moving code, say)
 * must leave every answer the same. A change that means to alter them
 * re-records with KB_RECORD=1 and says why in its commit.
 */
const ANSWERS = path.join(ROOT, 'test', 'api', 'recorded-answers.json');

const REQUESTS: { method?: 'GET' | 'POST'; url: string; payload?: object }[] = [
  { url: '/api/search?q=what+did+we+say+about+apprenticeships' },
  { url: '/api/search?q=apprenticeships&mode=lexical&k=5' },
  { url: '/api/search?q=apprenticeships&mode=semantic&k=5' },
  { url: '/api/search?q=%22specialist+places%22&k=5' },
  { url: '/api/search?q=school+transport&kind=bulletin&from=2024-03-01&to=2024-12-31&k=5' },
  { url: '/api/search?q=attendance&per_doc=1&k=8' },
  { url: '/api/search?q=helpdesk&repeats=all&k=10' },
  { url: '/api/search?q=inclusion+strategy&document=3' },
  { url: '/api/timeline?q=apprenticeships' },
  { url: '/api/timeline?q=attendance&mode=lexical&limit=20' },
  { method: 'POST', url: '/api/ask', payload: { question: 'How many educational psychologists did we recruit?' } },
  {
    method: 'POST',
    url: '/api/ask',
    payload: { question: 'what is happening with specialist places', filters: { kind: 'strategy' } },
  },
  { url: '/api/documents' },
  { url: '/api/documents?kind=bulletin&limit=3&offset=1' },
  { url: '/api/documents/1' },
  { url: '/api/documents/3' },
  { url: '/api/passages/5/similar?k=3' },
  { url: '/api/passages/2/repeats' },
  { url: '/api/stats' },
  { url: '/api/search?q=' },
  { url: '/api/documents/999' },
];

/** Fields that change from run to run (times, paths of this checkout), replaced by a placeholder. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'took_ms' || k === 'ingested_at' || k === 'updated_at') out[k] = '<varies>';
      else if (k === 'source_id' && typeof v === 'string') out[k] = v.replace(ROOT, '<root>');
      else out[k] = stable(v);
    }
    return out;
  }
  return value;
}

describe('recorded API answers over the samples', () => {
  let app: FastifyInstance;
  let kb: KnowledgeBase;
  beforeAll(async () => {
    const config = loadConfig({}, { dataDir: tempDir(), offline: true, logLevel: 'silent' });
    kb = await KnowledgeBase.open(config, silentLogger);
    await kb.ingest([SAMPLES]);
    app = await buildApp({ config, kb, log: silentLogger });
  });
  afterAll(async () => {
    await app?.close();
    await kb?.close();
  });

  it('every recorded request answers as recorded', async () => {
    const answers: Record<string, { status: number; body: unknown }> = {};
    for (const r of REQUESTS) {
      const res = await app.inject({
        method: r.method ?? 'GET',
        url: r.url,
        ...(r.payload ? { payload: r.payload } : {}),
      });
      answers[`${r.method ?? 'GET'} ${r.url}${r.payload ? ` ${JSON.stringify(r.payload)}` : ''}`] = {
        status: res.statusCode,
        body: stable(res.json()),
      };
    }
    if (process.env.KB_RECORD === '1' || !fs.existsSync(ANSWERS)) {
      fs.writeFileSync(ANSWERS, JSON.stringify(answers, null, 1) + '\n');
      process.stderr.write(`recorded ${Object.keys(answers).length} answers in ${path.relative(ROOT, ANSWERS)}\n`);
    }
    const recorded = JSON.parse(fs.readFileSync(ANSWERS, 'utf8')) as typeof answers;
    expect(Object.keys(answers)).toEqual(Object.keys(recorded));
    for (const key of Object.keys(recorded)) expect(answers[key], key).toEqual(recorded[key]);
  });
});
