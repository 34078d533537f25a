import { createHash } from 'node:crypto';
import { truncatedSvd, type SparseMatrix } from './svd.js';
import { queryTerms, terms } from './tokenize.js';

/**
 * Latent semantic analysis: log-TF·IDF term weights projected onto the
 * leading right singular vectors of the collection's passage × term matrix.
 * Passages and queries are folded in the same way, so new passages need no
 * refit. Words that share contexts in the collection land near each other,
 * which is what lets a question find a passage that words it differently.
 */
export interface LsaModel {
  /** Hash of the fitted parameters: part of the embedder id. */
  fit: string;
  dim: number;
  vocab: Map<string, number>;
  idf: Float32Array;
  /** vocab × dim, row-major: term t's coordinates at [t * dim, (t + 1) * dim). */
  projection: Float32Array;
  /** Passages the model was fitted on. */
  fittedOn: number;
}

export interface LsaOptions {
  dim: number;
  /** Terms in fewer passages than this carry no shared context and are left out. */
  minDf: number;
  maxVocab: number;
}

export const DEFAULT_LSA: LsaOptions = { dim: 256, minDf: 2, maxVocab: 20_000 };

export function fitLsa(texts: string[], options: LsaOptions = DEFAULT_LSA): LsaModel {
  const docs = texts.map((t) => terms(t));
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const minDf = texts.length >= 20 ? options.minDf : 1;
  const kept = [...df]
    .filter(([, n]) => n >= minDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, options.maxVocab);
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const vocab = new Map(kept.map(([t], i) => [t, i]));
  const n = texts.length;
  const idf = new Float32Array(kept.length);
  kept.forEach(([, count], i) => (idf[i] = Math.log((n + 1) / (count + 0.5))));

  const rowStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  docs.forEach((d, i) => {
    const weights = weigh(d, vocab, idf);
    for (const [c, w] of weights) {
      cols.push(c);
      vals.push(w);
    }
    rowStart[i + 1] = cols.length;
  });
  const matrix: SparseMatrix = {
    rows: n,
    cols: kept.length,
    rowStart,
    colIndex: Int32Array.from(cols),
    values: Float32Array.from(vals),
  };
  const dim = Math.max(1, Math.min(options.dim, n - 1, kept.length - 1));
  const svd =
    matrix.rows > 0 && matrix.cols > 0
      ? truncatedSvd(matrix, dim, { seed: 7 })
      : { s: new Float64Array(0), vt: new Float64Array(0), k: 0 };
  const projection = new Float32Array(kept.length * dim);
  for (let j = 0; j < svd.k; j++)
    for (let t = 0; t < kept.length; t++) projection[t * dim + j] = svd.vt[j * kept.length + t]!;
  const hash = createHash('sha256');
  hash.update(kept.map(([t]) => t).join(' '));
  hash.update(Buffer.from(projection.buffer));
  return { fit: hash.digest('hex').slice(0, 12), dim, vocab, idf, projection, fittedOn: n };
}

/** Sparse log-TF·IDF weights of a term list, L2-normalised. */
function weigh(list: string[], vocab: Map<string, number>, idf: Float32Array): Map<number, number> {
  const tf = new Map<number, number>();
  for (const t of list) {
    const i = vocab.get(t);
    if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
  }
  let norm = 0;
  for (const [i, f] of tf) {
    const w = (1 + Math.log(f)) * idf[i]!;
    tf.set(i, w);
    norm += w * w;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [i, w] of tf) tf.set(i, w / norm);
  return tf;
}

/**
 * A text folded into the model's space, L2-normalised (all zeros when it
 * shares no term with the model). A query leaves out the words that frame a
 * question (see queryTerms).
 */
export function embedLsa(model: LsaModel, text: string, asQuery = false): Float32Array {
  const out = new Float32Array(model.dim);
  for (const [t, w] of weigh(asQuery ? queryTerms(text) : terms(text), model.vocab, model.idf)) {
    const o = t * model.dim;
    for (let j = 0; j < model.dim; j++) out[j]! += w * model.projection[o + j]!;
  }
  let norm = 0;
  for (let j = 0; j < model.dim; j++) norm += out[j]! * out[j]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = 0; j < model.dim; j++) out[j]! /= norm;
  return out;
}

/** The model as bytes: a JSON header (terms, sizes) then the IDF and projection floats. */
export function serialiseLsa(model: LsaModel): Buffer {
  const terms = [...model.vocab.keys()];
  const header = Buffer.from(
    JSON.stringify({ v: 1, fit: model.fit, dim: model.dim, fittedOn: model.fittedOn, terms }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([
    len,
    header,
    Buffer.from(model.idf.buffer, model.idf.byteOffset, model.idf.byteLength),
    Buffer.from(model.projection.buffer, model.projection.byteOffset, model.projection.byteLength),
  ]);
}

export function deserialiseLsa(bytes: Uint8Array): LsaModel {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + headerLength).toString('utf8')) as {
    v: number;
    fit: string;
    dim: number;
    fittedOn: number;
    terms: string[];
  };
  const floats = new Float32Array(buf.subarray(4 + headerLength).length / 4);
  new Uint8Array(floats.buffer).set(buf.subarray(4 + headerLength));
  const v = header.terms.length;
  return {
    fit: header.fit,
    dim: header.dim,
    fittedOn: header.fittedOn,
    vocab: new Map(header.terms.map((t, i) => [t, i])),
    idf: floats.slice(0, v),
    projection: floats.slice(v, v + v * header.dim),
  };
}
