/**
 * Truncated SVD of a sparse matrix by randomised range finding (Halko,
 * Martinsson and Tropp, 2011), with a Jacobi eigen-solver for the small
 * core. Pure and seeded: the same matrix gives the same result.
 */

/** Compressed sparse rows: row i holds cols[rowStart[i] .. rowStart[i+1]). */
export interface SparseMatrix {
  rows: number;
  cols: number;
  rowStart: Int32Array;
  colIndex: Int32Array;
  values: Float32Array;
}

export interface Svd {
  /** Singular values, largest first. */
  s: Float64Array;
  /** Right singular vectors, k of them, each of length cols: vt[j * cols + c]. */
  vt: Float64Array;
  k: number;
}

/** A small, fast, seeded PRNG (mulberry32) and standard normals from it. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Y (rows × l, row-major) = A · X, X being cols × l row-major. */
function multiply(a: SparseMatrix, x: Float64Array, l: number): Float64Array {
  const y = new Float64Array(a.rows * l);
  for (let i = 0; i < a.rows; i++) {
    const yo = i * l;
    for (let p = a.rowStart[i]!; p < a.rowStart[i + 1]!; p++) {
      const v = a.values[p]!;
      const xo = a.colIndex[p]! * l;
      for (let j = 0; j < l; j++) y[yo + j]! += v * x[xo + j]!;
    }
  }
  return y;
}

/** Z (cols × l, row-major) = Aᵀ · Y, Y being rows × l row-major. */
function multiplyTransposed(a: SparseMatrix, y: Float64Array, l: number): Float64Array {
  const z = new Float64Array(a.cols * l);
  for (let i = 0; i < a.rows; i++) {
    const yo = i * l;
    for (let p = a.rowStart[i]!; p < a.rowStart[i + 1]!; p++) {
      const v = a.values[p]!;
      const zo = a.colIndex[p]! * l;
      for (let j = 0; j < l; j++) z[zo + j]! += v * y[yo + j]!;
    }
  }
  return z;
}

/**
 * Orthonormalises the l columns of an n × l row-major matrix in place
 * (modified Gram–Schmidt on a contiguous column-major copy; `passes` = 2
 * re-orthogonalises for accuracy).
 */
export function orthonormalise(m: Float64Array, n: number, l: number, passes = 2): void {
  const cols = new Float64Array(n * l);
  for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) cols[j * n + i] = m[i * l + j]!;
  for (let pass = 0; pass < passes; pass++) {
    for (let j = 0; j < l; j++) {
      const cj = j * n;
      for (let p = 0; p < j; p++) {
        const cp = p * n;
        let d = 0;
        for (let i = 0; i < n; i++) d += cols[cj + i]! * cols[cp + i]!;
        for (let i = 0; i < n; i++) cols[cj + i]! -= d * cols[cp + i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += cols[cj + i]! ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < n; i++) cols[cj + i] = norm > 1e-10 ? cols[cj + i]! / norm : 0;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) m[i * l + j] = cols[j * n + i]!;
}

/** Eigen-decomposition of a symmetric n × n matrix by cyclic Jacobi rotations. */
export function symmetricEigen(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += input[i]! ** 2;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= 1e-24 * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) <= 1e-14 * Math.sqrt(Math.abs(a[p * n + p]! * a[q * n + q]!)) || apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

/**
 * The k largest singular values of A and their right singular vectors.
 * `oversample` extra directions and `powerIterations` passes sharpen the
 * estimate of the leading subspace.
 */
export function truncatedSvd(
  a: SparseMatrix,
  k: number,
  options: { oversample?: number; powerIterations?: number; seed?: number } = {},
): Svd {
  const l = Math.min(k + (options.oversample ?? 10), a.rows, a.cols);
  const rand = rng(options.seed ?? 42);
  const omega = new Float64Array(a.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = gaussian(rand);
  let y = multiply(a, omega, l);
  orthonormalise(y, a.rows, l, 1);
  const iterations = options.powerIterations ?? 2;
  for (let it = 0; it < iterations; it++) {
    const z = multiplyTransposed(a, y, l);
    orthonormalise(z, a.cols, l, 1);
    y = multiply(a, z, l);
    orthonormalise(y, a.rows, l, it === iterations - 1 ? 2 : 1);
  }
  // B = Qᵀ A is l × cols; keep it as Bᵀ (cols × l, row-major) = Aᵀ Q.
  const bt = multiplyTransposed(a, y, l);
  // C = B Bᵀ (l × l).
  const c = new Float64Array(l * l);
  for (let r = 0; r < a.cols; r++) {
    const o = r * l;
    for (let i = 0; i < l; i++) {
      const bi = bt[o + i]!;
      if (bi === 0) continue;
      for (let j = i; j < l; j++) c[i * l + j]! += bi * bt[o + j]!;
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) c[i * l + j] = c[j * l + i]!;
  const { values, vectors } = symmetricEigen(c, l);
  const order = [...values.keys()].sort((x, y2) => values[y2]! - values[x]!);
  const kk = Math.min(k, l);
  const s = new Float64Array(kk);
  const vt = new Float64Array(kk * a.cols);
  for (let j = 0; j < kk; j++) {
    const e = order[j]!;
    const sigma = Math.sqrt(Math.max(values[e]!, 0));
    s[j] = sigma;
    if (sigma < 1e-12) continue;
    // v_j = Bᵀ w_j / σ_j
    for (let r = 0; r < a.cols; r++) {
      let sum = 0;
      const o = r * l;
      for (let i = 0; i < l; i++) sum += bt[o + i]! * vectors[i * l + e]!;
      vt[j * a.cols + r] = sum / sigma;
    }
  }
  return { s, vt, k: kk };
}
