/**
 * Symmetric eigendecomposition (like numpy.linalg.eigh): Householder reduction to tridiagonal form
 * followed by the implicit QL algorithm (EISPACK tred2/tql2, as in JAMA). O(n^3), float64 throughout.
 * Eigenvalues are returned in ascending order; eigenvector j is column j of `vectors` (row-major n x n).
 *
 * Used by the spectral clusterer (Laplacian eigengaps); n up to a few thousand.
 * @module
 */

/** Result of {@link eigh}. */
export interface EighResult {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Row-major n x n; column j is the unit eigenvector of values[j]. Absent with `vectors: false`. */
  readonly vectors?: Float64Array;
}

/**
 * Eigen-decomposes the symmetric n x n matrix `a` (row-major; only symmetry is assumed, the lower
 * triangle is used). `vectors: false` skips the eigenvector accumulation (about 3x faster).
 */
export function eigh(a: ArrayLike<number>, n: number, opts: { vectors?: boolean } = {}): EighResult {
  if (a.length !== n * n) {
    throw new RangeError(`eigh: matrix has ${a.length} values, ${n}x${n} needs ${n * n}`);
  }
  const wantV = opts.vectors ?? true;
  const V = Float64Array.from(a as ArrayLike<number>);
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(V[i])) {
      throw new RangeError(`eigh: non-finite value at (${Math.floor(i / n)}, ${i % n})`);
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: wantV ? V : undefined };
  tred2(V, d, e, n, wantV);
  tql2(V, d, e, n, wantV);
  // Sort ascending (selection sort over indices is fine at these sizes but use an index sort).
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  const values = Float64Array.from(order, (i) => d[i]);
  if (!wantV) return { values };
  const vectors = new Float64Array(n * n);
  // V holds the transposed eigenvector matrix (row j = eigenvector j): contiguous inner loops.
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < n; j++) vectors[r * n + j] = V[order[j] * n + r];
  }
  return { values, vectors };
}

/** Householder tridiagonalisation; on exit d = diagonal, e = sub-diagonal (e[0] = 0), V = transform. */
function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number, wantV: boolean): void {
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1];
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[i * n + j] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = V[j * n + k];
          g += vkj * d[k];
          e[k] += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[j * n + k] -= f * e[k] + g * d[k];
        d[j] = V[j * n + i - 1];
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!wantV) {
    // Without accumulation the tridiagonal diagonal sits on V's diagonal.
    for (let j = 0; j < n; j++) d[j] = V[j * n + j];
    e[0] = 0;
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    V[i * n + n - 1] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[(i + 1) * n + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[(i + 1) * n + k] * V[j * n + k];
        for (let k = 0; k <= i; k++) V[j * n + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + n - 1];
    V[j * n + n - 1] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); accumulates rotations into V when wanted. */
function tql2(V: Float64Array, d: Float64Array, e: Float64Array, n: number, wantV: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`eigh: QL did not converge at eigenvalue ${l}`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1];
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (wantV) {
            const o1 = (i + 1) * n, o0 = i * n;
            for (let k = 0; k < n; k++) {
              h = V[o1 + k];
              V[o1 + k] = s * V[o0 + k] + c * h;
              V[o0 + k] = c * V[o0 + k] - s * h;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
}
