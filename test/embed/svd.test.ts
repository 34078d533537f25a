import { describe, expect, it } from 'vitest';
import { rng, symmetricEigen, truncatedSvd, type SparseMatrix } from '../../src/embed/lsa/svd.js';
import { embedLsa, fitLsa, deserialiseLsa, serialiseLsa } from '../../src/embed/lsa/lsa-model.js';

function randomSparse(
  rows: number,
  cols: number,
  density: number,
  seed: number,
): { sparse: SparseMatrix; dense: Float64Array } {
  const r = rng(seed);
  const dense = new Float64Array(rows * cols);
  const rowStart = new Int32Array(rows + 1);
  const colIndex: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (r() < density) {
        const v = Math.round(r() * 100) / 10;
        dense[i * cols + j] = v;
        colIndex.push(j);
        values.push(v);
      }
    }
    rowStart[i + 1] = colIndex.length;
  }
  return {
    sparse: { rows, cols, rowStart, colIndex: Int32Array.from(colIndex), values: Float32Array.from(values) },
    dense,
  };
}

describe('truncated SVD', () => {
  it('finds the leading singular values of a matrix, against an exact eigen-decomposition of AᵀA', () => {
    const rows = 60;
    const cols = 40;
    const { sparse, dense } = randomSparse(rows, cols, 0.2, 3);
    const ata = new Float64Array(cols * cols);
    for (let i = 0; i < cols; i++)
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += dense[r * cols + i]! * dense[r * cols + j]!;
        ata[i * cols + j] = s;
      }
    const exact = [...symmetricEigen(ata, cols).values].sort((a, b) => b - a).map((v) => Math.sqrt(Math.max(v, 0)));
    const svd = truncatedSvd(sparse, 8, { oversample: 10, powerIterations: 6 });
    for (let j = 0; j < 8; j++) expect(Math.abs(svd.s[j]! - exact[j]!) / exact[j]!).toBeLessThan(1e-3);
    // right singular vectors are orthonormal
    for (let a = 0; a < 8; a++)
      for (let b = 0; b < 8; b++) {
        let d = 0;
        for (let c = 0; c < cols; c++) d += svd.vt[a * cols + c]! * svd.vt[b * cols + c]!;
        expect(d).toBeCloseTo(a === b ? 1 : 0, 6);
      }
  });
});

describe('LSA model', () => {
  const texts = [
    'Apprenticeships give young people a wage and training with an employer.',
    'Employers offer apprenticeships and training to school leavers.',
    'Apprentices learn skills at work with an employer.',
    'Attendance in schools fell; persistent absence is a concern for pupils.',
    'Pupils missing school: absence and attendance officers work with families.',
    'Schools report attendance figures each term for every pupil.',
  ];
  // Two dimensions for a collection about two subjects.
  const model = fitLsa(texts, { dim: 2, minDf: 1, maxVocab: 1000 });

  it('places texts on the same subject near each other, and is deterministic', () => {
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const q = embedLsa(model, 'apprentice employer');
    const scores = texts.map((t) => cos(q, embedLsa(model, t)));
    // "apprentice employer" shares no stem with the first two texts, yet they rank with the third, above every
    // attendance text.
    expect(Math.min(...scores.slice(0, 3))).toBeGreaterThan(Math.max(...scores.slice(3)) + 0.3);
    expect(fitLsa(texts, { dim: 2, minDf: 1, maxVocab: 1000 }).fit).toBe(model.fit);
  });

  it('survives serialisation unchanged', () => {
    const copy = deserialiseLsa(serialiseLsa(model));
    expect(copy.fit).toBe(model.fit);
    expect([...embedLsa(copy, texts[0]!)]).toEqual([...embedLsa(model, texts[0]!)]);
  });

  it('gives an all-zero vector for text that shares no word with the collection', () => {
    expect([...embedLsa(model, 'zzzz qqqq')].every((x) => x === 0)).toBe(true);
  });
});
