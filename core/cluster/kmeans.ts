/**
 * k-means as sklearn.cluster.KMeans(algorithm="lloyd") does it: greedy k-means++ seeding with
 * 2 + floor(ln k) candidates per centre, Lloyd iterations stopped when labels no longer change or the
 * total squared centre shift is <= tol * mean(per-feature variance), empty clusters moved to the points
 * farthest from their centres, best of `nInit` runs by inertia. The spherical variant (cosine) works on
 * L2-normalised rows with re-normalised centres and inertia sum(1 - cos).
 * Plus K selection: the kneedle elbow of the WCSS curve, or the best silhouette.
 *
 * Speed follows sklearn's formulation: squared distances as ||x||^2 - 2 x.c + ||c||^2 with the GEMM
 * kernel (forEachTile "dot") over row chunks that stay in cache, row norms computed once per fit, the
 * argmin fused with the accumulation of the new centres, and no allocations inside the iterations.
 * The reported inertia is recomputed directly (sum of squared differences) so that it carries no
 * cancellation error from the expanded form.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { forEachTile, l2NormalizeRows } from "../kernels/distance.ts";
import type { Rng } from "../random.ts";

/** k-means settings. */
export interface KmeansOptions {
  /** Number of clusters. */
  readonly k: number;
  /** Euclidean, or cosine = spherical k-means. */
  readonly metric: "euclidean" | "cosine";
  /** Restarts; the lowest inertia wins. */
  readonly nInit: number;
  /** Lloyd iterations per restart. */
  readonly maxIter: number;
  /** Relative tolerance, scaled by the mean feature variance (sklearn semantics). */
  readonly tol: number;
  /** Fixed starting centres (k x d) instead of k-means++; then one run only (like sklearn init=array). */
  readonly init?: Matrix;
}

/** A k-means fit. */
export interface KmeansFit {
  /** Cluster of each row. */
  readonly labels: Int32Array;
  /** k x d centres (unit-norm for cosine). */
  readonly centroids: Matrix;
  /** Sum of squared distances (euclidean) or of 1 - cos (cosine). */
  readonly inertia: number;
  /** Lloyd iterations of the winning run. */
  readonly iterations: number;
}

/** Rows of x per GEMM chunk: the chunk (and its rows of x) stays in L2 while it is reduced. */
const CHUNK = 504;

/** Squared L2 norm of every row, float64 (computed once per fit). */
export function rowSqNorms(x: Matrix): Float64Array {
  const { rows: n, cols: d, data } = x;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * d, e = t + d; t < e; t++) s += data[t] * data[t];
    out[i] = s;
  }
  return out;
}

/**
 * The E step fused with the M step's sums: each row goes to its nearest centre (sq. Euclidean via
 * ||x||^2 - 2 x.c + ||c||^2, or max cosine for unit rows) and `dist` gets that distance (clamped at 0).
 * When `sums`/`cnt` are given they hold the per-centre sums and counts of the current labels and are
 * updated incrementally: a row that changes label (or gets its first, from -1) moves its values from
 * the old centre's sum to the new one's. After the first iterations few labels change, so the M step
 * costs O(changed x d) instead of O(n x d); the sums are float64 over float32 rows, so the order of
 * additions does not matter at float32 precision. Returns how many labels changed.
 */
function assign(
  x: Matrix,
  c: Matrix,
  cn: Float64Array,
  xn: Float64Array | undefined,
  cosine: boolean,
  labels: Int32Array,
  dist: Float64Array,
  sums?: Float64Array,
  cnt?: Float64Array,
): number {
  const k = c.rows, d = x.cols, xd = x.data;
  if (!cosine) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = j * d, e = t + d; t < e; t++) s += c.data[t] * c.data[t];
      cn[j] = s;
    }
  }
  let changed = 0;
  forEachTile(x, c, "dot", (tile, r0) => {
    const m = tile.data;
    for (let r = 0; r < tile.rows; r++) {
      const i = r0 + r, o = r * k;
      let best = 0, bv: number;
      if (cosine) {
        bv = m[o];
        for (let j = 1; j < k; j++) if (m[o + j] > bv) (bv = m[o + j]), (best = j);
        bv = 1 - bv;
      } else {
        bv = cn[0] - 2 * m[o];
        for (let j = 1; j < k; j++) {
          const v = cn[j] - 2 * m[o + j];
          if (v < bv) (bv = v), (best = j);
        }
        bv += xn![i];
      }
      dist[i] = bv > 0 ? bv : 0;
      const prev = labels[i];
      if (prev === best) continue;
      changed++;
      labels[i] = best;
      if (!sums) continue;
      const xo = i * d;
      if (prev >= 0) {
        cnt![prev]--;
        for (let t = 0, so = prev * d; t < d; t++) sums[so + t] -= xd[xo + t];
      }
      cnt![best]++;
      for (let t = 0, so = best * d; t < d; t++) sums[so + t] += xd[xo + t];
    }
  }, { tileRows: CHUNK });
  return changed;
}

/**
 * Greedy k-means++ (sklearn _kmeans_plusplus). Returns row indices of the chosen seeds. `xn` (the
 * rows' squared norms, {@link rowSqNorms}) may be passed to skip recomputing them; unused for cosine.
 */
export function kmeansPlusPlus(
  x: Matrix,
  k: number,
  rng: Rng,
  cosine: boolean,
  xn?: Float64Array,
): Int32Array {
  const n = x.rows, d = x.cols;
  const norms = cosine ? undefined : xn ?? rowSqNorms(x);
  const trials = 2 + Math.floor(Math.log(k));
  const seeds = new Int32Array(k);
  seeds[0] = rng.int(n);
  const candData = new Float32Array(trials * d);
  const candNorm = new Float64Array(trials);
  const dc = new Float64Array(trials * n); // candidate-major distances of the current step
  const pots = new Float64Array(trials);
  /** Squared distances (cosine: squared chordal 2 - 2cos) of every row to the first `t` staged rows. */
  const distTo = (idx: ArrayLike<number>, closest?: Float64Array): void => {
    const t = idx.length;
    for (let q = 0; q < t; q++) {
      candData.set(x.data.subarray(idx[q] * d, (idx[q] + 1) * d), q * d);
      candNorm[q] = cosine ? 0 : norms![idx[q]];
    }
    pots.fill(0);
    const cm: Matrix = { rows: t, cols: d, data: candData.subarray(0, t * d) };
    forEachTile(x, cm, "dot", (tile, r0) => {
      const m = tile.data;
      for (let r = 0; r < tile.rows; r++) {
        const i = r0 + r, base = cosine ? 2 : norms![i];
        for (let q = 0; q < t; q++) {
          let v = cosine ? base - 2 * m[r * t + q] : base - 2 * m[r * t + q] + candNorm[q];
          if (!(v > 0)) v = 0;
          dc[q * n + i] = v;
          if (closest) pots[q] += Math.min(closest[i], v);
        }
      }
    }, { tileRows: CHUNK });
  };
  distTo([seeds[0]]);
  const closest = dc.slice(0, n);
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i];
  const cum = new Float64Array(n);
  const cand = new Int32Array(trials);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i];
    for (let t = 0; t < trials; t++) {
      const r = rng.next() * pot;
      let lo = 0, hi = n - 1; // searchsorted(cum, r, side="left")
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] < r) lo = mid + 1;
        else hi = mid;
      }
      cand[t] = Math.min(lo, n - 1);
    }
    distTo(cand, closest);
    let bestT = 0, bestPot = Infinity;
    for (let t = 0; t < trials; t++) if (pots[t] < bestPot) (bestPot = pots[t]), (bestT = t);
    seeds[c] = cand[bestT];
    for (let i = 0, o = bestT * n; i < n; i++) if (dc[o + i] < closest[i]) closest[i] = dc[o + i];
    pot = bestPot;
  }
  return seeds;
}

/** Mean per-feature variance (sklearn's tolerance scale). */
function meanVariance(x: Matrix): number {
  const { rows: n, cols: d, data } = x;
  const s = new Float64Array(d), s2 = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0, o = i * d; c < d; c++) {
      const v = data[o + c];
      s[c] += v;
      s2[c] += v * v;
    }
  }
  let total = 0;
  for (let c = 0; c < d; c++) {
    const m = s[c] / n;
    total += Math.max(0, s2[c] / n - m * m);
  }
  return total / d;
}

/** Inertia recomputed directly: sum of squared differences (euclidean) or of 1 - cos (cosine). */
function inertiaOf(x: Matrix, c: Matrix, labels: Int32Array, cosine: boolean): number {
  const { rows: n, cols: d, data } = x;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const xo = i * d, co = labels[i] * d;
    let s = 0;
    if (cosine) {
      for (let t = 0; t < d; t++) s += data[xo + t] * c.data[co + t];
      total += Math.max(0, 1 - s);
    } else {
      for (let t = 0; t < d; t++) {
        const v = data[xo + t] - c.data[co + t];
        s += v * v;
      }
      total += s;
    }
  }
  return total;
}

/** Buffers of one fit, reused by every restart. */
interface Work {
  readonly xn?: Float64Array;
  readonly dist: Float64Array;
  readonly sums: Float64Array;
  readonly cnt: Float64Array;
  readonly cn: Float64Array;
}

/** One Lloyd run from the given starting centres. */
function lloyd(x: Matrix, start: Matrix, o: KmeansOptions, tolAbs: number, w: Work): KmeansFit {
  const { rows: n, cols: d } = x;
  const k = start.rows;
  const cosine = o.metric === "cosine";
  const { dist, sums, cnt, cn, xn } = w;
  let c: Matrix = { rows: k, cols: d, data: start.data.slice() };
  let spare: Matrix = { rows: k, cols: d, data: new Float32Array(k * d) };
  const labels = new Int32Array(n).fill(-1);
  let it = 0;
  let strict = false;
  sums.fill(0);
  cnt.fill(0);
  for (; it < o.maxIter; it++) {
    const changed = assign(x, c, cn, xn, cosine, labels, dist, sums, cnt);
    if (it > 0 && changed === 0) {
      strict = true;
      break;
    }
    // empty clusters take the points farthest from their centres (sklearn relocate_empty_clusters)
    const empty = [];
    for (let j = 0; j < k; j++) if (cnt[j] === 0) empty.push(j);
    if (empty.length) {
      const far = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[b] - dist[a] || a - b);
      empty.forEach((j, t) => {
        const i = far[t];
        const l = labels[i];
        for (let q = 0; q < d; q++) {
          sums[l * d + q] -= x.data[i * d + q];
          sums[j * d + q] = x.data[i * d + q];
        }
        cnt[l]--;
        cnt[j] = 1;
        labels[i] = j;
      });
    }
    const next = spare.data, cur = c.data;
    for (let j = 0; j < k; j++) {
      if (cnt[j] === 0) {
        for (let t = j * d; t < (j + 1) * d; t++) next[t] = cur[t];
        continue;
      }
      for (let t = 0; t < d; t++) next[j * d + t] = sums[j * d + t] / cnt[j];
    }
    if (cosine) l2NormalizeRows(spare);
    let shift = 0;
    for (let t = 0; t < k * d; t++) shift += (next[t] - cur[t]) ** 2;
    [c, spare] = [spare, c];
    if (shift <= tolAbs) {
      it++;
      break;
    }
  }
  if (!strict) assign(x, c, cn, xn, cosine, labels, dist); // labels consistent with the final centres
  return { labels, centroids: c, inertia: inertiaOf(x, c, labels, cosine), iterations: it };
}

/**
 * Mean of the rows of each label 0..k-1, row-major [k, cols]; rows labelled outside 0..k-1 (-1 =
 * unlabelled) are ignored and a label with no rows keeps a zero mean.
 */
export function labelMeans(x: Matrix, labels: ArrayLike<number>, k: number): Float32Array {
  const d = x.cols, out = new Float32Array(k * d), sum = new Float64Array(k * d), n = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < k)) continue;
    n[l]++;
    for (let j = 0; j < d; j++) sum[l * d + j] += x.data[i * d + j];
  }
  for (let l = 0; l < k; l++) {
    if (n[l]) {
      for (let j = 0; j < d; j++) out[l * d + j] = sum[l * d + j] / n[l];
    }
  }
  return out;
}

/** Best-of-nInit k-means. `x` is not modified (the cosine variant normalises a copy). */
export function kmeans(x: Matrix, o: KmeansOptions, rng: Rng): KmeansFit {
  if (o.k < 1 || o.k > x.rows) {
    throw new RangeError(`k-means: k = ${o.k} must be in [1, ${x.rows}] (the number of rows)`);
  }
  const cosine = o.metric === "cosine";
  const xx = cosine ? l2NormalizeRows({ rows: x.rows, cols: x.cols, data: x.data.slice() }) : x;
  const tolAbs = o.tol * meanVariance(xx);
  const w: Work = {
    xn: cosine ? undefined : rowSqNorms(xx),
    dist: new Float64Array(x.rows),
    sums: new Float64Array(o.k * x.cols),
    cnt: new Float64Array(o.k),
    cn: new Float64Array(o.k),
  };
  if (o.init) {
    if (o.init.rows !== o.k || o.init.cols !== x.cols) {
      throw new RangeError(`k-means: init is ${o.init.rows}x${o.init.cols}, expected ${o.k}x${x.cols}`);
    }
    const start = cosine ? l2NormalizeRows({ ...o.init, data: o.init.data.slice() }) : o.init;
    return lloyd(xx, start, o, tolAbs, w);
  }
  let best: KmeansFit | undefined;
  for (let r = 0; r < o.nInit; r++) {
    const seeds = kmeansPlusPlus(xx, o.k, rng, cosine, w.xn);
    const start = new Float32Array(o.k * x.cols);
    seeds.forEach((s, j) => start.set(xx.data.subarray(s * x.cols, (s + 1) * x.cols), j * x.cols));
    const fit = lloyd(xx, { rows: o.k, cols: x.cols, data: start }, o, tolAbs, w);
    if (!best || fit.inertia < best.inertia) best = fit;
  }
  return best!;
}

/**
 * Kneedle (Satopaa et al. 2011) for a decreasing convex curve such as WCSS(k): normalise both axes to
 * [0, 1], difference curve (1 - y) - x, knee = its maximum. Returns the index into `xs`.
 */
export function kneedle(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 3) return 0;
  const x0 = xs[0], x1 = xs[n - 1];
  let ymin = Infinity, ymax = -Infinity;
  for (let i = 0; i < n; i++) (ymin = Math.min(ymin, ys[i])), (ymax = Math.max(ymax, ys[i]));
  if (ymax === ymin) return 0;
  let best = 0, bv = -Infinity;
  for (let i = 0; i < n; i++) {
    const xn = (xs[i] - x0) / (x1 - x0);
    const yn = (ys[i] - ymin) / (ymax - ymin);
    const diff = 1 - yn - xn;
    if (diff > bv) (bv = diff), (best = i);
  }
  return best;
}
