/**
 * The pieces of NME-SC (Park et al., IEEE SPL 2019) that the `spectral` clusterer runs for every p of
 * its grid, built so that the p search stays cheap and still gives the eigenvalues a dense solver
 * would:
 *   - the rows are ranked once (top floor(n * maxRp) neighbours per row, ties by index) and every p
 *     reuses that ranking; the binarised, symmetrised affinity grows from one p to the next;
 *   - the eigengap search needs only the maxSpeakers + 1 smallest Laplacian eigenvalues and the
 *     largest one. The Laplacian is block diagonal over the connected components of the pruned graph,
 *     so each component is solved on its own: small ones densely (all eigenvalues), large ones by block
 *     Lanczos with full reorthogonalisation on the sparse Laplacian (core/math/eigh.ts
 *     extremeEigenvalues). Each component has its own zero eigenvalue, so the many exact zeros of a
 *     fragmented graph (small p) are all counted, as a dense solver counts them.
 * Only the chosen p gets the full dense eigendecomposition (for the spectral embedding).
 * @module
 */
import { eigh, extremeEigenvalues } from "../math/eigh.ts";

/** numpy's round (half to even). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The p grid: unique rounded values of linspace(1, pMax, steps), as the reference does. */
export function pGrid(n: number, maxRp: number, steps: number): number[] {
  const pMax = Math.max(1, Math.floor(n * maxRp));
  const out = new Set<number>();
  for (let i = 0; i < steps; i++) {
    out.add(roundHalfEven(steps === 1 ? 1 : 1 + ((pMax - 1) * i) / (steps - 1)));
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Per row of the n x n similarity matrix, the column indices of its `top` largest values, best first,
 * ties by lower index (the order of a stable argsort of -sim). Sorting packs (similarity, index) into
 * one float64 key per entry so the typed-array sort needs no comparator.
 */
export function rankRows(sim: Float32Array, n: number, top: number): Int32Array {
  const out = new Int32Array(n * top);
  const keys = new Float64Array(n);
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      f[0] = sim[i * n + j] + 0; // -0 -> +0: equal values must tie
      const b = u[0];
      const asc = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0; // increasing with the value
      keys[j] = (0xffffffff - asc) * n + j; // decreasing similarity, then increasing index
    }
    keys.sort();
    for (let t = 0; t < top; t++) out[i * top + t] = keys[t] % n;
  }
  return out;
}

/**
 * The binarised, symmetrised p-pruned affinity A = (B + B^T) / 2 (B[i, j] = 1 when j is among the p
 * best of row i) as a dense n x n float64 matrix whose diagonal is ignored. `grow(p)` adds the
 * neighbours ranked between the current p and the new one, so a rising p grid costs n * pMax updates.
 */
export class PrunedAffinity {
  readonly a: Float64Array;
  p = 0;
  constructor(readonly order: Int32Array, readonly n: number, readonly top: number) {
    this.a = new Float64Array(n * n);
  }
  grow(p: number): this {
    if (p < this.p) {
      this.a.fill(0);
      this.p = 0;
    }
    const { a, n, top, order } = this;
    for (let i = 0; i < n; i++) {
      for (let t = this.p; t < p; t++) {
        const j = order[i * top + t];
        a[i * n + j] += 0.5;
        a[j * n + i] += 0.5;
      }
    }
    this.p = p;
    return this;
  }
  /** Dense row-major Laplacian D - A with a zero-diagonal A (as the reference builds it). */
  laplacian(): Float64Array {
    const { a, n } = this;
    const l = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      let deg = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const v = a[i * n + j];
        deg += v;
        l[i * n + j] = -v;
      }
      l[i * n + i] = deg;
    }
    return l;
  }
}

/** Components up to this size are solved densely (all their eigenvalues). */
const DENSE_MAX = 160;
/** Lanczos residual tolerance, relative to the component's spectral radius. */
const TOL = 1e-10;

/** Result of {@link laplacianExtremes}. */
export interface LaplacianExtremes {
  /** The `count` smallest eigenvalues, ascending. */
  readonly lowest: Float64Array;
  /** The largest eigenvalue. */
  readonly largest: number;
  /** With `vectors`: row-major n x count, column j the unit eigenvector of lowest[j]. */
  readonly vectors?: Float64Array;
}

/**
 * The `count` smallest eigenvalues (ascending) and the largest eigenvalue of the Laplacian of `g`,
 * component by component (see the module comment); with `vectors`, their eigenvectors too (each
 * supported on its component). `count` <= n.
 */
export function laplacianExtremes(g: PrunedAffinity, count: number, vectors = false): LaplacianExtremes {
  const { a, n } = g;
  // sparse rows (CSR) without the diagonal, and degrees
  const ptr = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0, o = i * n; j < n; j++) if (a[o + j] !== 0 && j !== i) nnz++;
    ptr[i + 1] = nnz;
  }
  const col = new Int32Array(nnz), val = new Float64Array(nnz), deg = new Float64Array(n);
  for (let i = 0, e = 0; i < n; i++) {
    let s = 0;
    for (let j = 0, o = i * n; j < n; j++) {
      const v = a[o + j];
      if (v !== 0 && j !== i) (col[e] = j), (val[e++] = v), (s += v);
    }
    deg[i] = s;
  }
  // connected components (BFS), each as a list of vertices
  const comp = new Int32Array(n).fill(-1);
  const members: Int32Array[] = [];
  const queue = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    if (comp[s] >= 0) continue;
    let head = 0, tail = 0;
    queue[tail++] = s;
    comp[s] = members.length;
    while (head < tail) {
      const i = queue[head++];
      for (let e = ptr[i]; e < ptr[i + 1]; e++) {
        const j = col[e];
        if (comp[j] < 0) (comp[j] = members.length), (queue[tail++] = j);
      }
    }
    members.push(queue.slice(0, tail));
  }
  // per component: its eigenvalues (all, or its `count` lowest) and, when wanted, its eigenvectors
  const parts: { values: Float64Array; vecs?: Float64Array; cols: number; m: Int32Array }[] = [];
  let largest = 0;
  const local = new Int32Array(n);
  for (const m of members) {
    const s = m.length;
    if (s === 1) {
      parts.push({ values: new Float64Array(1), vecs: Float64Array.of(1), cols: 1, m });
      continue;
    }
    m.forEach((v, t) => (local[v] = t));
    if (s <= DENSE_MAX) {
      const l = new Float64Array(s * s);
      for (let t = 0; t < s; t++) {
        const i = m[t];
        l[t * s + t] = deg[i];
        for (let e = ptr[i]; e < ptr[i + 1]; e++) l[t * s + local[col[e]]] = -val[e];
      }
      const r = eigh(l, s, { vectors });
      parts.push({ values: r.values, vecs: r.vectors, cols: s, m });
      largest = Math.max(largest, r.values[s - 1]);
      continue;
    }
    // the component's own CSR rows (local column numbers): the matvec is one plain pass
    const lp = new Int32Array(s + 1), ld = new Float64Array(s);
    for (let t = 0; t < s; t++) lp[t + 1] = lp[t] + ptr[m[t] + 1] - ptr[m[t]];
    const lc = new Int32Array(lp[s]), lv = new Float64Array(lp[s]);
    for (let t = 0; t < s; t++) {
      const i = m[t];
      ld[t] = deg[i];
      for (let e = ptr[i], f = lp[t]; e < ptr[i + 1]; e++, f++) (lc[f] = local[col[e]]), (lv[f] = val[e]);
    }
    const matvec = (x: Float64Array, y: Float64Array) => {
      for (let t = 0; t < s; t++) {
        let acc = ld[t] * x[t];
        for (let f = lp[t], e = lp[t + 1]; f < e; f++) acc -= lv[f] * x[lc[f]];
        y[t] = acc;
      }
    };
    const c = Math.min(count, s);
    const r = extremeEigenvalues(matvec, s, c, { tol: TOL, vectors });
    parts.push({ values: r.lowest, vecs: r.vectors, cols: c, m });
    largest = Math.max(largest, r.largest);
  }
  const all: [number, number, number][] = []; // value, part, column
  parts.forEach((p, q) => p.values.forEach((v, j) => all.push([v, q, j])));
  all.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  const pick = all.slice(0, count);
  const lowest = Float64Array.from(pick, (e) => e[0]);
  if (!vectors) return { lowest, largest };
  const vecs = new Float64Array(n * count);
  pick.forEach(([, q, j], c) => {
    const p = parts[q];
    p.m.forEach((i, t) => (vecs[i * count + c] = p.vecs![t * p.cols + j]));
  });
  return { lowest, largest, vectors: vecs };
}

/**
 * Normalised maximum eigengap over the first maxSpeakers gaps of the ascending `lowest` eigenvalues:
 * k = position of the largest gap + 1, nme = that gap / (largest eigenvalue + 1e-10).
 */
export function maxGap(
  lowest: ArrayLike<number>,
  largest: number,
  maxSpeakers: number,
): { k: number; nme: number } {
  let k = 0, best = -Infinity;
  const m = Math.min(maxSpeakers, lowest.length - 1);
  for (let i = 0; i < m; i++) {
    const g = lowest[i + 1] - lowest[i];
    if (g > best) (best = g), (k = i);
  }
  return { k: k + 1, nme: best / (largest + 1e-10) };
}
