/**
 * Distance kernels between embedding sets. This is the stable API the clusterers and scorers call;
 * the implementation behind it is the WASM SIMD kernel (see asm/) where available.
 *
 * TEMPORARY: plain TypeScript until the WASM kernels land (issue 3 owns this file).
 * @module
 */
import type { Matrix } from "../matrix.ts";

/** L2-normalises every row in place (zero rows stay zero) and returns the same matrix. */
export function l2NormalizeRows(m: Matrix): Matrix {
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += data[i * cols + j] ** 2;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < cols; j++) data[i * cols + j] *= inv;
    }
  }
  return m;
}

function sameDims(a: Matrix, b: Matrix, op: string): void {
  if (a.cols !== b.cols) {
    throw new RangeError(
      `${op}: embedding dims differ (${a.cols} vs ${b.cols}); both sets must come from the same backbone`,
    );
  }
}

/** `a @ b.T`: [a.rows x b.rows] dot products. */
export function dotMatrix(a: Matrix, b: Matrix): Matrix {
  sameDims(a, b, "dotMatrix");
  const out = new Float32Array(a.rows * b.rows);
  const d = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a.data[i * d + k] * b.data[j * d + k];
      out[i * b.rows + j] = s;
    }
  }
  return { rows: a.rows, cols: b.rows, data: out };
}

/** Cosine similarity matrix [a.rows x b.rows] (inputs are not modified). */
export function cosineMatrix(a: Matrix, b: Matrix): Matrix {
  sameDims(a, b, "cosineMatrix");
  const an = l2NormalizeRows({ ...a, data: a.data.slice() });
  const bn = a === b ? an : l2NormalizeRows({ ...b, data: b.data.slice() });
  return dotMatrix(an, bn);
}

/** Squared Euclidean distance matrix [a.rows x b.rows]. */
export function sqEuclideanMatrix(a: Matrix, b: Matrix): Matrix {
  sameDims(a, b, "sqEuclideanMatrix");
  const out = new Float32Array(a.rows * b.rows);
  const d = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = a.data[i * d + k] - b.data[j * d + k];
        s += t * t;
      }
      out[i * b.rows + j] = s;
    }
  }
  return { rows: a.rows, cols: b.rows, data: out };
}

/** Per row, the k largest (or smallest) values and their column indices, best first. */
export function topkRows(
  m: Matrix,
  k: number,
  largest = true,
): { indices: Int32Array; values: Float32Array } {
  const kk = Math.min(k, m.cols);
  const indices = new Int32Array(m.rows * kk);
  const values = new Float32Array(m.rows * kk);
  const order = new Int32Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const r = m.data.subarray(i * m.cols, (i + 1) * m.cols);
    for (let j = 0; j < m.cols; j++) order[j] = j;
    const sorted = Array.from(order).sort((x, y) => largest ? r[y] - r[x] : r[x] - r[y]);
    for (let j = 0; j < kk; j++) {
      indices[i * kk + j] = sorted[j];
      values[i * kk + j] = r[sorted[j]];
    }
  }
  return { indices, values };
}

/** Distance metrics for the condensed form. */
export type PdistMetric = "cosine" | "euclidean" | "sqeuclidean";

/**
 * Condensed pairwise distances as scipy.spatial.distance.pdist orders them:
 * entry for (i, j), i < j, at n*i - i*(i+1)/2 + (j - i - 1). Cosine distance = 1 - cos.
 */
export function pdist(x: Matrix, metric: PdistMetric = "euclidean"): Float32Array {
  const n = x.rows;
  const out = new Float32Array((n * (n - 1)) / 2);
  const full = metric === "cosine" ? cosineMatrix(x, x) : sqEuclideanMatrix(x, x);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = full.data[i * n + j];
      out[p++] = metric === "cosine" ? 1 - v : metric === "euclidean" ? Math.sqrt(Math.max(0, v)) : v;
    }
  }
  return out;
}
