import { blobToVector, dot, isNonZero } from '../vector/codec.js';
import type { MeaningCalibration } from '../store/meta.js';
import { isStopWord } from '../text/stop-words.js';
import { stemOf, wordsOf } from '../text/terms.js';

export type { MeaningCalibration } from '../store/meta.js';

/**
 * How close in meaning a passage must be to a query to be shown when it
 * has none of the query's words: the meaning floor, calibrated for the
 * active embedder on this collection.
 *
 * Similarities mean different things for different embedders (the built-in
 * LSA spreads unrelated text around 0; a sentence-transformer puts it at
 * 0.3–0.6), and for one embedder in different collections, so no fixed
 * number will do. The floor is measured instead. Passages are sampled;
 * from each, a query-like probe is cut (one to four consecutive content
 * words, as people type them) and embedded as a query. Each probe is then
 * compared with the sampled passages of other documents that share none of
 * its words (stemmed): text the probe is not about, or at least does not
 * name. The floor is the higher of two measures:
 * - a high quantile (FLOOR_QUANTILE) of those similarities: a meaning-only
 *   passage must be closer to the query than 99.5% of such passages are to
 *   such queries;
 * - RELATED_SHARE of the median similarity of a probe to the passage it was
 *   cut from: a passage without the words must be at least half as close as
 *   a passage that has them typically is. (The built-in LSA puts most
 *   unrelated text at exactly 0, so its quantile alone lets through any
 *   passage that shares a co-occurring word with the query.)
 */
export const FLOOR_QUANTILE = 0.995;
export const RELATED_SHARE = 0.5;
/** Passages sampled (each gives a probe, and all are the pool they are compared with). */
export const CALIBRATION_SAMPLE = 240;
/** Fewer pairs than this and the floor is not measured (too few to say; every meaning-only passage is held back). */
export const MIN_PAIRS = 200;

export interface SampledPassage {
  id: number;
  doc_id: number;
  text: string;
}

export interface CalibrationParts {
  embedder: string;
  passages: number;
  /** Up to n passages, spread over the collection, chosen with `next`. */
  sample: (n: number, next: () => number) => SampledPassage[];
  embedQuery: (text: string) => Promise<Float32Array>;
  /** Stored vectors of these passages. */
  vectors: (ids: readonly number[]) => { id: number; vector: Buffer }[];
}

/** The value below which a share q of the values fall (linear between ranks). Pure. */
export function quantile(values: readonly number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** A deterministic pseudo-random sequence in [0, 1) (mulberry32). Pure. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The content words of a text (letters only, three or more, not stop words), in order. */
function contentWords(text: string): string[] {
  return wordsOf(text).filter((w) => w.length >= 3 && /^\p{L}+$/u.test(w) && !isStopWord(w));
}

/** A query-like probe from a passage: one to four consecutive content words; null when it has none. Pure. */
export function probeOf(text: string, next: () => number): string | null {
  const words = contentWords(text);
  if (!words.length) return null;
  const length = 1 + Math.floor(next() * 4);
  const start = Math.floor(next() * Math.max(1, words.length - length + 1));
  return words.slice(start, start + length).join(' ');
}

/** Measures the meaning floor (see above); null when the collection is too small to say. */
export async function calibrate(parts: CalibrationParts): Promise<MeaningCalibration | null> {
  const next = random(parts.passages * 2654435761);
  const sample = parts.sample(CALIBRATION_SAMPLE, next);
  const vectors = new Map(parts.vectors(sample.map((s) => s.id)).map((r) => [r.id, blobToVector(r.vector)]));
  const pool = sample
    .filter((s) => vectors.has(s.id))
    .map((s) => ({ ...s, vector: vectors.get(s.id)!, stems: new Set(wordsOf(s.text).map(stemOf)) }));
  // Other documents are the measure of unrelated text; a collection of one
  // or two documents has too few, so there it is every other passage.
  const apart = new Set(pool.map((p) => p.doc_id)).size >= 3;
  const similarities: number[] = [];
  const related: number[] = [];
  let probes = 0;
  for (const source of pool) {
    const probe = probeOf(source.text, next);
    if (!probe) continue;
    const query = await parts.embedQuery(probe);
    if (!isNonZero(query)) continue;
    probes++;
    related.push(dot(query, source.vector));
    const stems = wordsOf(probe).map(stemOf);
    for (const other of pool) {
      if (other === source || (apart && other.doc_id === source.doc_id) || stems.some((s) => other.stems.has(s)))
        continue;
      similarities.push(dot(query, other.vector));
    }
  }
  if (similarities.length < MIN_PAIRS) return null;
  return {
    embedder: parts.embedder,
    passages: parts.passages,
    floor: Math.max(quantile(similarities, FLOOR_QUANTILE), RELATED_SHARE * quantile(related, 0.5)),
    probes,
    pairs: similarities.length,
  };
}

/** Whether a calibration still holds for this embedder and collection size. Pure. */
export function isCurrent(c: MeaningCalibration | null, embedder: string, passages: number): boolean {
  return c !== null && c.embedder === embedder && Math.abs(passages - c.passages) <= c.passages * 0.1;
}

/** What the floor is measured on: the store's passages and vectors, and the embedder that makes query vectors. */
export interface FloorSource {
  passages: { count(): number; sample(n: number, next: () => number): SampledPassage[] };
  embeddings: { vectorsOf(model: string, ids: readonly number[]): { id: number; vector: Buffer }[] };
  meta: { meaningCalibration(): MeaningCalibration | null };
}

/** Measures the floor for an embedder over a store. */
export function measure(
  source: FloorSource,
  embedder: { id: string; embedQuery(text: string): Promise<Float32Array> },
): Promise<MeaningCalibration | null> {
  return calibrate({
    embedder: embedder.id,
    passages: source.passages.count(),
    sample: (n, next) => source.passages.sample(n, next),
    embedQuery: (text) => embedder.embedQuery(text),
    vectors: (ids) => source.embeddings.vectorsOf(embedder.id, ids),
  });
}

/**
 * The floor a searcher uses: the one the writer measured and stored after
 * its last refresh, when it is current; otherwise measured here, once per
 * embedder and collection size, and kept in memory.
 */
export class MeaningFloors {
  private readonly source: FloorSource;
  private measured: { embedder: string; passages: number; calibration: Promise<MeaningCalibration | null> } | null =
    null;

  constructor(source: FloorSource) {
    this.source = source;
  }

  async floor(embedder: { id: string; embedQuery(text: string): Promise<Float32Array> }): Promise<number | null> {
    const passages = this.source.passages.count();
    const stored = this.source.meta.meaningCalibration();
    if (isCurrent(stored, embedder.id, passages)) return stored!.floor;
    const m = this.measured;
    if (!m || !isCurrent({ ...m, floor: 0, probes: 0, pairs: 0 }, embedder.id, passages))
      this.measured = { embedder: embedder.id, passages, calibration: measure(this.source, embedder) };
    return (await this.measured!.calibration)?.floor ?? null;
  }
}
