import type { Embedder } from './embedder.js';

/** One thing `kb model test` checks, and what it found. */
export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

const SENTENCES = [
  'More young people started apprenticeships with the council this year.',
  'The county gritting lorries go out when frost is forecast on the roads.',
];

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/**
 * What `kb model test` checks: the model embeds two sentences (as passages,
 * again, and one as a query) into vectors of its stated dimension, finite
 * and of unit length; the same text gives the same vector; different texts
 * give different vectors. It says whether the model works, not how good it
 * is (that is `kb eval`). Reads nothing but the embedder.
 */
export async function checkModel(embedder: Embedder): Promise<{ ok: boolean; checks: Check[] }> {
  const checks: Check[] = [];
  const add = (check: string, ok: boolean, detail: string) => checks.push({ check, ok, detail });
  let vectors: Float32Array[];
  try {
    vectors = await embedder.embedDocuments(SENTENCES);
  } catch (err) {
    add('embeds text', false, (err as Error).message);
    return { ok: false, checks };
  }
  add('embeds text', vectors.length === 2, `${vectors.length} vectors for 2 sentences`);
  const [a, b] = vectors;
  if (!a || !b) return { ok: false, checks };
  add('dimension', a.length === embedder.dim && b.length === embedder.dim, `${a.length} (stated ${embedder.dim})`);
  const finite = [a, b].every((v) => v.every(Number.isFinite));
  add('finite numbers', finite, finite ? 'no NaN or infinity' : 'NaN or infinity in a vector');
  const lengths = [norm(a), norm(b)];
  add(
    'unit length',
    lengths.every((n) => Math.abs(n - 1) < 1e-3),
    lengths.map((n) => n.toFixed(4)).join(', '),
  );
  const again = (await embedder.embedDocuments([SENTENCES[0]!]))[0]!;
  const same = dot(a, again);
  add('same text, same vector', same > 0.9999, `similarity ${same.toFixed(6)}`);
  const different = dot(a, b);
  add('different texts, different vectors', different < 0.9999, `similarity ${different.toFixed(4)}`);
  const query = await embedder.embedQuery(SENTENCES[0]!);
  add(
    'embeds a query',
    query.length === embedder.dim && query.every(Number.isFinite),
    `similarity to the same words as a passage ${dot(query, a).toFixed(4)}`,
  );
  return { ok: checks.every((c) => c.ok), checks };
}
