/**
 * Small dense float64 linear algebra for the back-ends (LDA, WCCN, PLDA): symmetric eigendecomposition
 * (adapting core/math/eigh.ts), Cholesky, SPD inverse, and the generalised symmetric
 * eigenproblem A v = lambda B v. Matrices are row-major Float64Array of n*n.
 * @module
 */
import { eigh } from "../math/eigh.ts";

/** Eigenvalues descending with eigenvectors as columns of `vectors` (row-major n x n). */
export interface Eigen {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric matrix with the one solver, core/math/eigh.ts (Householder +
 * implicit QL), re-ordered to the back-ends' convention: values descending, vectors orthonormal columns.
 */
export function eighSym(a: Float64Array, n: number): Eigen {
  const asc = eigh(a, n);
  const ascVectors = asc.vectors!;
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = n - 1 - j;
    values[j] = asc.values[src];
    for (let k = 0; k < n; k++) vectors[k * n + j] = ascVectors[k * n + src];
  }
  return { values, vectors };
}

/** Lower Cholesky factor L (A = L L^T); throws naming `what` when A is not positive definite. */
export function cholesky(a: Float64Array, n: number, what = "matrix"): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) {
          throw new RangeError(
            `${what} is not positive definite (pivot ${i} = ${s}); add more data per class or raise 'regularization'`,
          );
        }
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  return l;
}

/** Inverse of a lower-triangular matrix. */
export function invLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[i * n + k] * inv[k * n + j];
      inv[i * n + j] = -s / l[i * n + i];
    }
  }
  return inv;
}

/** C = A B for n x n row-major matrices (A: r x k, B: k x c when sizes are given). */
export function matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < c; j++) out[i * c + j] += aip * b[p * c + j];
    }
  }
  return out;
}

/** Transpose of an r x c matrix. */
export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
}

/** Inverse of a symmetric positive-definite matrix via Cholesky. */
export function invSpd(a: Float64Array, n: number, what = "matrix"): Float64Array {
  const li = invLower(cholesky(a, n, what), n);
  return matmul(transpose(li, n, n), li, n, n, n); // A^-1 = L^-T L^-1
}

/** General square inverse by Gauss-Jordan with partial pivoting. */
export function invGeneral(a: Float64Array, n: number, what = "matrix"): Float64Array {
  const m = Float64Array.from(a), inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[piv * n + col])) piv = r;
    if (m[piv * n + col] === 0) throw new RangeError(`${what} is singular`);
    if (piv !== col) {
      for (let k = 0; k < n; k++) {
        [m[col * n + k], m[piv * n + k]] = [m[piv * n + k], m[col * n + k]];
        [inv[col * n + k], inv[piv * n + k]] = [inv[piv * n + k], inv[col * n + k]];
      }
    }
    const d = m[col * n + col];
    for (let k = 0; k < n; k++) {
      m[col * n + k] /= d;
      inv[col * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[r * n + k] -= f * m[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return inv;
}

/**
 * Generalised symmetric-definite eigenproblem A v = lambda B v (scipy.linalg.eigh(A, B) semantics):
 * eigenvectors (columns) satisfy V^T B V = I; values descending. Each vector's sign is fixed so its
 * largest-magnitude component is positive (LAPACK leaves signs arbitrary).
 */
export function eighGeneralized(a: Float64Array, b: Float64Array, n: number, what = "matrix"): Eigen {
  const l = cholesky(b, n, what);
  const li = invLower(l, n);
  const c = matmul(matmul(li, a, n, n, n), transpose(li, n, n), n, n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i] = 0.5 * (c[i * n + j] + c[j * n + i]);
  }
  const { values, vectors: u } = eighSym(c, n);
  const v = matmul(transpose(li, n, n), u, n, n, n); // V = L^-T U
  for (let j = 0; j < n; j++) {
    let best = 0;
    for (let k = 0; k < n; k++) if (Math.abs(v[k * n + j]) > Math.abs(best)) best = v[k * n + j];
    if (best < 0) { for (let k = 0; k < n; k++) v[k * n + j] = -v[k * n + j]; }
  }
  return { values, vectors: v };
}

/** Class statistics of labelled rows: global mean, per-class means/counts, within- and between-class covariances (divided by N). */
export interface ClassStats {
  readonly dim: number;
  readonly n: number;
  readonly mean: Float64Array;
  readonly classes: number[];
  readonly counts: number[];
  readonly classMeans: Float64Array[];
  /** Pooled within-class covariance: sum over samples (x - mu_c)(x - mu_c)^T / N. */
  readonly within: Float64Array;
  /** Between-class covariance: sum over classes n_c (mu_c - mu)(mu_c - mu)^T / N. */
  readonly between: Float64Array;
}

/** Computes {@link ClassStats}; throws when labels are missing, mismatched, or fewer than 2 classes. */
export function classStats(
  x: { rows: number; cols: number; data: Float32Array },
  labels: Int32Array | undefined,
  what: string,
): ClassStats {
  if (!labels) throw new RangeError(`${what}: needs speaker labels (AdapterData.labels) to fit`);
  if (labels.length !== x.rows) {
    throw new RangeError(`${what}: ${labels.length} labels for ${x.rows} embeddings`);
  }
  const d = x.cols, n = x.rows;
  const slot = new Map<number, number>();
  for (const l of labels) if (!slot.has(l)) slot.set(l, slot.size);
  if (slot.size < 2) throw new RangeError(`${what}: needs at least 2 classes, got ${slot.size}`);
  const k = slot.size;
  const counts = new Array(k).fill(0);
  const cm = Array.from({ length: k }, () => new Float64Array(d));
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const s = slot.get(labels[i])!;
    counts[s]++;
    for (let j = 0; j < d; j++) {
      cm[s][j] += x.data[i * d + j];
      mean[j] += x.data[i * d + j];
    }
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  cm.forEach((m, s) => m.forEach((_, j) => (m[j] /= counts[s])));
  const within = new Float64Array(d * d), between = new Float64Array(d * d);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const m = cm[slot.get(labels[i])!];
    for (let j = 0; j < d; j++) diff[j] = x.data[i * d + j] - m[j];
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) within[a * d + b] += diff[a] * diff[b];
  }
  cm.forEach((m, s) => {
    for (let j = 0; j < d; j++) diff[j] = m[j] - mean[j];
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) between[a * d + b] += counts[s] * diff[a] * diff[b];
    }
  });
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      within[a * d + b] /= n;
      between[a * d + b] /= n;
      within[b * d + a] = within[a * d + b];
      between[b * d + a] = between[a * d + b];
    }
  }
  return { dim: d, n, mean, classes: [...slot.keys()], counts, classMeans: cm, within, between };
}
