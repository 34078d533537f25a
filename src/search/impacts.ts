/**
 * Impact-ordered postings for the lexical leg, and the score-at-a-time
 * traversal that reads them best first and stops after a budget (Anh and
 * Moffat's impact ordering; Lin and Trotman's anytime ranking). Pure.
 *
 * A term's posting in a passage carries its BM25 impact: the part of FTS5's
 * bm25() that depends on the passage, f·(k1+1) / (f + k1·(1 − b + b·len/avg)),
 * with f the column-weighted frequency and len the passage's terms (see
 * feedback.ts), quantised to one of LEVELS levels. A term's postings are
 * kept in bands of levels (BANDS of them), so a query can take the postings
 * that can add most to a score first — idf × impact, over all its terms —
 * and stop when it has read `budget` of them, whatever the size of the
 * collection. The passages
 * with the highest accumulated impacts are then scored exactly (by
 * weightedBm25), so the order shown is bm25's; what the budget can cost is a
 * passage that bm25 ranks in the top that was never reached, which the
 * benchmark measures as agreement with exhaustive bm25's top 10.
 */

const K1 = 1.2;
const B = 0.75;
/** The largest impact: f·(k1+1)/(f + norm) tends to k1+1 as f grows. */
const MAX_IMPACT = K1 + 1;
/**
 * Levels a posting's impact is kept at (1..LEVELS: one byte each), and the
 * coarser bands (1..BANDS) a term's postings are stored and read by. A
 * band orders the reading; the finer level is what a passage accumulates,
 * so passages that bm25 ranks apart by their length are not tied (with 32
 * levels, hundreds of passages with a rare word once shared one score).
 */
export const LEVELS = 256;
export const BANDS = 32;

/** The passage-dependent part of FTS5's bm25 for a term with column-weighted frequency f. */
export function impactOf(f: number, length: number, averageLength: number): number {
  const norm = K1 * (1 - B + (B * length) / Math.max(1, averageLength));
  return (f * (K1 + 1)) / (f + norm);
}

/** The level of an impact: the smallest whose value is at least the impact (so a level never understates). */
export function levelOf(impact: number): number {
  return Math.min(LEVELS, Math.max(1, Math.ceil((impact / MAX_IMPACT) * LEVELS - 1e-9)));
}

/** The impact a level stands for (its upper edge). */
export function levelValue(level: number): number {
  return (level / LEVELS) * MAX_IMPACT;
}

/** The band a level is stored in (1..BANDS). */
export function bandOf(level: number): number {
  return Math.ceil((level * BANDS) / LEVELS);
}

/** The largest impact of a band's postings (its upper edge). */
export function bandValue(band: number): number {
  return (band / BANDS) * MAX_IMPACT;
}

/** Each term of a passage (stemmed terms per column: title, section, text) with its impact level. */
export function passageLevels(
  columns: readonly (readonly string[])[],
  weights: readonly number[],
  averageLength: number,
): Map<string, number> {
  const length = columns.reduce((n, c) => n + c.length, 0);
  const freq = new Map<string, number>();
  columns.forEach((column, c) => {
    const w = weights[c] ?? 1;
    for (const t of column) freq.set(t, (freq.get(t) ?? 0) + w);
  });
  const out = new Map<string, number>();
  for (const [t, f] of freq) out.set(t, levelOf(impactOf(f, length, averageLength)));
  return out;
}

/**
 * Postings as a blob: for each passage, in ascending order, the difference
 * from the one before as a LEB128 varint, then its level as one byte.
 */
export function encodePostings(ids: readonly number[], levels: readonly number[]): Uint8Array {
  const out = new Uint8Array(ids.length * 6);
  let at = 0;
  let previous = 0;
  ids.forEach((id, i) => {
    let gap = id - previous;
    if (gap <= 0 && i > 0) throw new Error('ids must ascend');
    previous = id;
    while (gap >= 0x80) {
      out[at++] = (gap & 0x7f) | 0x80;
      gap = Math.floor(gap / 0x80);
    }
    out[at++] = gap;
    out[at++] = levels[i]!;
  });
  return out.slice(0, at);
}

/** The postings of a blob made by encodePostings, passed to `each` in order. */
export function decodePostings(blob: Uint8Array, each: (id: number, level: number) => void): void {
  let id = 0;
  for (let at = 0; at < blob.length;) {
    let gap = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = blob[at++]!;
      gap += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte & 0x80);
    id += gap;
    each(id, blob[at++]!);
  }
}

/** A stored chunk of a term's postings, all in one band: read when the traversal reaches it. */
export interface Segment {
  band: number;
  count: number;
  read: () => Uint8Array;
}

export interface TermPostings {
  /** The term's weight in the query times its idf. */
  weight: number;
  segments: Segment[];
}

export interface Traversal {
  /** Passages by accumulated impact, highest first, at most `keep`. */
  candidates: { id: number; score: number }[];
  /** Postings read. */
  read: number;
  /** Whether every posting of every term was read (the candidates are then bm25's order up to quantisation). */
  complete: boolean;
}

/**
 * Score-at-a-time: the segments of every term in decreasing idf × the
 * band's largest impact, each posting adding idf × its own level to its
 * passage's accumulator, until `budget` postings have been read (a segment
 * is read whole, so a little more may be).
 */
export function traverse(terms: readonly TermPostings[], budget: number, keep: number): Traversal {
  const order: { weight: number; bound: number; segment: Segment }[] = [];
  for (const t of terms)
    for (const s of t.segments) order.push({ weight: t.weight, bound: t.weight * bandValue(s.band), segment: s });
  order.sort((a, b) => b.bound - a.bound || a.segment.count - b.segment.count);
  const acc = accumulators();
  let read = 0;
  let next = 0;
  try {
    for (; next < order.length && read < budget; next++) {
      const { weight, segment } = order[next]!;
      decodePostings(segment.read(), (id, level) => acc.add(id, weight * levelValue(level)));
      read += segment.count;
    }
    return { candidates: acc.top(keep), read, complete: next === order.length };
  } finally {
    acc.reset();
  }
}

/**
 * Score accumulators by passage id: a typed array reused from query to query
 * (grown to the largest id seen) and the ids touched, which are all that is
 * read back and reset. A Map of tens of thousands of entries, sorted whole,
 * cost more than reading the postings.
 */
class Accumulators {
  private scores = new Float64Array(1 << 16);
  private touched = new Int32Array(1 << 12);
  private count = 0;
  /** Scratch for selection: the touched scores. */
  private values = new Float64Array(1 << 12);

  add(id: number, amount: number): void {
    if (id >= this.scores.length) this.scores = grow(this.scores, id + 1);
    if (this.scores[id] === 0) {
      if (this.count === this.touched.length) this.touched = grow(this.touched, this.count + 1);
      this.touched[this.count++] = id;
    }
    this.scores[id] = this.scores[id]! + amount;
  }

  /** The `keep` highest, highest first (ties by id): the keep-th score by selection, then those at or above it. */
  top(keep: number): { id: number; score: number }[] {
    const { scores, touched, count } = this;
    let threshold = -Infinity;
    if (count > keep) {
      if (this.values.length < count) this.values = new Float64Array(this.touched.length);
      const values = this.values.subarray(0, count);
      for (let i = 0; i < count; i++) values[i] = scores[touched[i]!]!;
      threshold = select(values, count - keep);
    }
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < count; i++) {
      const id = touched[i]!;
      if (scores[id]! >= threshold) out.push({ id, score: scores[id]! });
    }
    out.sort((a, b) => b.score - a.score || a.id - b.id);
    return out.slice(0, keep);
  }

  reset(): void {
    for (let i = 0; i < this.count; i++) this.scores[this.touched[i]!] = 0;
    this.count = 0;
  }
}

/** A typed array at least `size` long (doubling), with the old contents. */
function grow<T extends Float64Array | Int32Array>(a: T, size: number): T {
  const grown = new (a.constructor as new (n: number) => T)(Math.max(size, a.length * 2));
  grown.set(a);
  return grown;
}

let shared: Accumulators | null = null;
const accumulators = () => (shared ??= new Accumulators());

/** The k-th smallest value (0-based) of `values`, which it reorders (Hoare's quickselect). */
function select(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}
