import fs from 'node:fs';
import path from 'node:path';
import { KbError } from '../errors.js';
import type { Qrels } from './metrics.js';

/** A test collection in BEIR layout: corpus.jsonl, queries.jsonl, qrels/test.tsv. */
export interface Collection {
  corpus: { id: string; title: string; text: string }[];
  queries: { id: string; text: string }[];
  qrels: Map<string, Qrels>;
}

function jsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) throw new KbError('FILE_NOT_FOUND', { file });
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new KbError('MALFORMED', { file, format: 'JSON lines', detail: `line ${i + 1} is not JSON` });
      }
    });
}

export function readCollection(dir: string, split = 'test'): Collection {
  const corpus = jsonl<{ _id: string; title?: string; text: string }>(path.join(dir, 'corpus.jsonl')).map((d) => ({
    id: String(d._id),
    title: d.title ?? '',
    text: d.text,
  }));
  const queries = jsonl<{ _id: string; text: string }>(path.join(dir, 'queries.jsonl')).map((q) => ({
    id: String(q._id),
    text: q.text,
  }));
  const qrelsFile = path.join(dir, 'qrels', `${split}.tsv`);
  if (!fs.existsSync(qrelsFile)) throw new KbError('FILE_NOT_FOUND', { file: qrelsFile });
  const qrels = new Map<string, Qrels>();
  for (const line of fs.readFileSync(qrelsFile, 'utf8').split('\n')) {
    const [q, d, s] = line.trim().split('\t');
    if (!q || !d || s === undefined || !/^-?\d+(\.\d+)?$/.test(s)) continue; // header and blank lines
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q)!.set(d, Number(s));
  }
  return { corpus, queries: queries.filter((q) => qrels.has(q.id)), qrels };
}
