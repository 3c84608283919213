/**
 * Symmetric eigendecomposition (like numpy.linalg.eigh): Householder reduction to tridiagonal form
 * followed by the implicit QL algorithm (EISPACK tred2/tql2, as in JAMA). O(n^3), float64 throughout.
 * Eigenvalues are returned in ascending order; eigenvector j is column j of `vectors` (row-major n x n).
 *
 * Used by the spectral clusterer (Laplacian eigengaps); n up to a few thousand. Also here: block
 * Lanczos for the few smallest and the largest eigenvalues of a symmetric operator (extremeEigenvalues),
 * which NME-SC's p search uses instead of a dense solve per p.
 * @module
 */
import { Rng } from "../random.ts";

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

/** Result of {@link extremeEigenvalues}. */
export interface ExtremeEigenvalues {
  /** The `count` smallest eigenvalues, ascending. */
  readonly lowest: Float64Array;
  /** The largest eigenvalue. */
  readonly largest: number;
  /** With `vectors: true`: row-major n x count, column j the unit eigenvector of lowest[j]. */
  readonly vectors?: Float64Array;
  /** Dimension of the search subspace at convergence (n when the problem was solved exactly). */
  readonly dim: number;
}

/** Options of {@link extremeEigenvalues}. */
export interface ExtremeOptions {
  /** Converged when every wanted Ritz pair has residual <= tol * max|Ritz value| (default 1e-10). */
  readonly tol?: number;
  /** Seed of the random start block (default 1): results do not depend on it beyond `tol`. */
  readonly seed?: number;
  /**
   * Block size (default min(count, 2)): an eigenvalue of multiplicity up to the block size is found
   * with all its copies. Larger blocks cost more (the Krylov degree per dimension drops).
   */
  readonly block?: number;
  /** Also return the eigenvectors of the `count` smallest eigenvalues (Ritz vectors). */
  readonly vectors?: boolean;
}

/**
 * The `count` smallest eigenvalues and the largest one of a symmetric n x n operator given only as
 * `matvec(x, y)` (y = A x), by block Lanczos with full reorthogonalisation: the search space grows by
 * A times the newest block; every new vector is orthogonalised against the last blocks (the Lanczos
 * recurrence) and then against all earlier vectors, repeating the full pass while it still removes a
 * large part of the norm (classical Gram-Schmidt with the DGKS criterion); Rayleigh-Ritz on
 * H = Q^T A Q (its band, the rest vanishes up to rounding) gives the Ritz values.
 * gives the Ritz values. With block size b an eigenvalue of multiplicity up to b among the wanted ones
 * is found with all its copies (a single-vector Lanczos sees only one copy in exact arithmetic).
 * A vector that falls into the current space (an invariant subspace was found) is replaced by a fresh
 * random one. Stops when every wanted Ritz pair (the `count` lowest and the largest) has a residual
 * ||A y - theta y|| <= tol * max|theta|, which bounds each eigenvalue's error by that residual; at
 * dimension n the answer is exact up to rounding, so it always terminates.
 * Cost O(n * dim^2 + dim * matvec): far below a dense O(n^3) solve when dim << n.
 */
export function extremeEigenvalues(
  matvec: (x: Float64Array, y: Float64Array) => void,
  n: number,
  count: number,
  opts: ExtremeOptions = {},
): ExtremeEigenvalues {
  if (!(count >= 1 && count <= n)) {
    throw new RangeError(`extremeEigenvalues: count ${count} must be in [1, ${n}]`);
  }
  const tol = opts.tol ?? 1e-10;
  const rng = new Rng(opts.seed ?? 1);
  const rand = () => rng.next() - 0.5;
  const b = Math.max(1, Math.min(opts.block ?? 2, count));
  let cap = Math.min(n, Math.max(4 * b, 64));
  let Q = new Float64Array(cap * n), AQ = new Float64Array(cap * n), H = new Float64Array(cap * cap);
  const grow = () => {
    const nc = Math.min(n, cap * 2);
    const q2 = new Float64Array(nc * n), a2 = new Float64Array(nc * n), h2 = new Float64Array(nc * nc);
    q2.set(Q);
    a2.set(AQ);
    for (let i = 0; i < cap; i++) h2.set(H.subarray(i * cap, (i + 1) * cap), i * nc);
    (Q = q2), (AQ = a2), (H = h2), (cap = nc);
  };
  const w = new Float64Array(n), coef = new Float64Array(n);
  let dim = 0;
  const norm = () => {
    let s = 0;
    for (let t = 0; t < n; t++) s += w[t] * w[t];
    return Math.sqrt(s);
  };
  /** One classical Gram-Schmidt pass of w against Q[from..dim). */
  const project = (from: number) => {
    for (let i = from; i < dim; i++) {
      const q = i * n;
      let s = 0;
      for (let t = 0; t < n; t++) s += Q[q + t] * w[t];
      coef[i] = s;
    }
    for (let i = from; i < dim; i++) {
      const q = i * n, c = coef[i];
      for (let t = 0; t < n; t++) w[t] -= c * Q[q + t];
    }
  };
  const band = 3 * b; // A q_j for j in block m lies in blocks <= m + 1: H is zero beyond this band
  /**
   * Appends w orthogonalised and normalised (a random vector instead when w lies in the space).
   * The Lanczos recurrence's large components (the last blocks) go first, then full passes against
   * every earlier vector, repeated while a pass still removes more than 30 % of the norm (DGKS).
   */
  const append = (): void => {
    if (dim === cap) grow();
    const w0 = norm();
    project(Math.max(0, dim - band));
    let after = norm();
    for (let pass = 0; pass < 3; pass++) {
      const before = after;
      project(0);
      after = norm();
      if (after > 0.7 * before) break;
    }
    while (!(after > 1e-8 * w0) || after === 0) {
      for (let t = 0; t < n; t++) w[t] = rand();
      const r0 = norm();
      project(0);
      project(0);
      after = norm();
      if (after > 0.5 * r0) break;
    }
    const q = dim * n, inv = 1 / after;
    for (let t = 0; t < n; t++) Q[q + t] = w[t] * inv;
    matvec(Q.subarray(q, q + n), AQ.subarray(q, q + n));
    // new row/column of H = Q^T A Q within the band (outside it the entries vanish up to rounding;
    // the residual test below is computed from A Q itself, so it certifies the result regardless)
    for (let i = Math.max(0, dim - band); i <= dim; i++) {
      let s = 0;
      const o = i * n;
      for (let t = 0; t < n; t++) s += Q[o + t] * AQ[q + t];
      H[i * cap + dim] = s;
      H[dim * cap + i] = s;
    }
    dim++;
  };
  for (let j = 0; j < b; j++) {
    for (let t = 0; t < n; t++) w[t] = rand();
    append();
  }
  let blockStart = 0;
  let nextCheck = Math.min(n, 2 * count + 8); // at least count + 1 Ritz pairs before the first check
  const r = new Float64Array(n);
  for (;;) {
    if (dim >= nextCheck || dim === n) {
      const h = new Float64Array(dim * dim);
      for (let i = 0; i < dim; i++) {
        for (let j = 0; j < dim; j++) h[i * dim + j] = 0.5 * (H[i * cap + j] + H[j * cap + i]);
      }
      const { values, vectors } = eigh(h, dim);
      const done = () => {
        const out = { lowest: values.slice(0, count), largest: values[dim - 1], dim };
        if (!opts.vectors) return out;
        const v = new Float64Array(n * count);
        for (let c = 0; c < count; c++) {
          for (let i = 0; i < dim; i++) {
            const y = vectors![i * dim + c], o = i * n;
            for (let t = 0; t < n; t++) v[t * count + c] += y * Q[o + t];
          }
        }
        return { ...out, vectors: v };
      };
      if (dim === n) return done();
      const scale = Math.max(Math.abs(values[0]), Math.abs(values[dim - 1]), Number.MIN_VALUE);
      let ok = true;
      const wanted = [...Array.from({ length: count }, (_, i) => i), dim - 1];
      for (const c of wanted) {
        r.fill(0);
        const th = values[c];
        for (let i = 0; i < dim; i++) {
          const y = vectors![i * dim + c], o = i * n;
          if (y === 0) continue;
          for (let t = 0; t < n; t++) r[t] += y * (AQ[o + t] - th * Q[o + t]);
        }
        let rn = 0;
        for (let t = 0; t < n; t++) rn += r[t] * r[t];
        if (!(Math.sqrt(rn) <= tol * scale)) {
          ok = false;
          break;
        }
      }
      if (ok) return done();
      nextCheck = Math.min(n, Math.max(dim + b, Math.ceil(dim * 1.25)));
    }
    // next block: A times the newest block
    const start = blockStart, end = dim;
    blockStart = dim;
    for (let j = start; j < end && dim < n; j++) {
      w.set(AQ.subarray(j * n, (j + 1) * n));
      append();
    }
  }
}
