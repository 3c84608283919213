/**
 * k-means as sklearn.cluster.KMeans(algorithm="lloyd") does it: greedy k-means++ seeding with
 * 2 + floor(ln k) candidates per centre, Lloyd iterations stopped when labels no longer change or the
 * total squared centre shift is <= tol * mean(per-feature variance), empty clusters moved to the points
 * farthest from their centres, best of `nInit` runs by inertia. The spherical variant (cosine) works on
 * L2-normalised rows with re-normalised centres and inertia sum(1 - cos).
 * Plus K selection: the kneedle elbow of the WCSS curve, or the best silhouette.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { dotMatrix, l2NormalizeRows, sqEuclideanMatrix } from "../kernels/distance.ts";
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

const BLOCK = 8192;

/** For each row its nearest centre and that distance (sq. Euclidean, or 1 - cos for unit rows). */
function assign(x: Matrix, c: Matrix, cosine: boolean, labels: Int32Array, dist: Float64Array): void {
  const k = c.rows;
  for (let s = 0; s < x.rows; s += BLOCK) {
    const e = Math.min(x.rows, s + BLOCK);
    const blk: Matrix = { rows: e - s, cols: x.cols, data: x.data.subarray(s * x.cols, e * x.cols) };
    const m = cosine ? dotMatrix(blk, c) : sqEuclideanMatrix(blk, c);
    for (let r = 0; r < e - s; r++) {
      let best = 0, bv = cosine ? -Infinity : Infinity;
      const o = r * k;
      for (let j = 0; j < k; j++) {
        const v = m.data[o + j];
        if (cosine ? v > bv : v < bv) (bv = v), (best = j);
      }
      labels[s + r] = best;
      dist[s + r] = cosine ? Math.max(0, 1 - bv) : Math.max(0, bv);
    }
  }
}

/** Greedy k-means++ (sklearn _kmeans_plusplus). Returns row indices of the chosen seeds. */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Rng, cosine: boolean): Int32Array {
  const n = x.rows;
  const trials = 2 + Math.floor(Math.log(k));
  const seeds = new Int32Array(k);
  seeds[0] = rng.int(n);
  const rowM = (i: number): Matrix => ({
    rows: 1,
    cols: x.cols,
    data: x.data.subarray(i * x.cols, (i + 1) * x.cols),
  });
  const distTo = (idx: ArrayLike<number>): Matrix => {
    const cm: Matrix = { rows: idx.length, cols: x.cols, data: new Float32Array(idx.length * x.cols) };
    for (let t = 0; t < idx.length; t++) cm.data.set(rowM(idx[t]).data, t * x.cols);
    const m = cosine ? dotMatrix(cm, x) : sqEuclideanMatrix(cm, x);
    if (cosine) { for (let i = 0; i < m.data.length; i++) m.data[i] = Math.max(0, 2 - 2 * m.data[i]); }
    return m; // cosine: squared chordal distance of unit vectors, |a-b|^2 = 2 - 2cos
  };
  const closest = Float64Array.from(distTo([seeds[0]]).data, (v) => Math.max(0, v));
  let pot = closest.reduce((a, b) => a + b, 0);
  const cum = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i];
    const cand = new Int32Array(trials);
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
    const dc = distTo(cand);
    let bestT = 0, bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      let p = 0;
      for (let i = 0; i < n; i++) p += Math.min(closest[i], dc.data[t * n + i]);
      if (p < bestPot) (bestPot = p), (bestT = t);
    }
    seeds[c] = cand[bestT];
    for (let i = 0; i < n; i++) closest[i] = Math.min(closest[i], dc.data[bestT * n + i]);
    pot = bestPot;
  }
  return seeds;
}

/** Mean per-feature variance (sklearn's tolerance scale). */
function meanVariance(x: Matrix): number {
  const { rows: n, cols: d, data } = x;
  let total = 0;
  for (let c = 0; c < d; c++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = data[i * d + c];
      s += v;
      s2 += v * v;
    }
    const m = s / n;
    total += Math.max(0, s2 / n - m * m);
  }
  return total / d;
}

/** One Lloyd run from the given starting centres. */
function lloyd(x: Matrix, start: Matrix, o: KmeansOptions, tolAbs: number): KmeansFit {
  const { rows: n, cols: d } = x;
  const k = start.rows;
  const cosine = o.metric === "cosine";
  let c: Matrix = { rows: k, cols: d, data: start.data.slice() };
  const labels = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n);
  const dist = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const cnt = new Float64Array(k);
  let it = 0;
  let strict = false;
  for (; it < o.maxIter; it++) {
    prev.set(labels);
    assign(x, c, cosine, labels, dist);
    if (it > 0 && labels.every((l, i) => l === prev[i])) {
      strict = true;
      break;
    }
    sums.fill(0);
    cnt.fill(0);
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      cnt[l]++;
      const xo = i * d, so = l * d;
      for (let t = 0; t < d; t++) sums[so + t] += x.data[xo + t];
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
    const next = new Float32Array(k * d);
    for (let j = 0; j < k; j++) {
      if (cnt[j] === 0) {
        next.set(c.data.subarray(j * d, (j + 1) * d), j * d);
        continue;
      }
      for (let t = 0; t < d; t++) next[j * d + t] = sums[j * d + t] / cnt[j];
    }
    const nc: Matrix = { rows: k, cols: d, data: next };
    if (cosine) l2NormalizeRows(nc);
    let shift = 0;
    for (let t = 0; t < k * d; t++) shift += (next[t] - c.data[t]) ** 2;
    c = nc;
    if (shift <= tolAbs) {
      it++;
      break;
    }
  }
  if (!strict) assign(x, c, cosine, labels, dist); // labels consistent with the final centres
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist[i];
  return { labels, centroids: c, inertia, iterations: it };
}

/** Best-of-nInit k-means. `x` is not modified (the cosine variant normalises a copy). */
export function kmeans(x: Matrix, o: KmeansOptions, rng: Rng): KmeansFit {
  if (o.k < 1 || o.k > x.rows) {
    throw new RangeError(`k-means: k = ${o.k} must be in [1, ${x.rows}] (the number of rows)`);
  }
  const cosine = o.metric === "cosine";
  const xx = cosine ? l2NormalizeRows({ rows: x.rows, cols: x.cols, data: x.data.slice() }) : x;
  const tolAbs = o.tol * meanVariance(xx);
  if (o.init) {
    if (o.init.rows !== o.k || o.init.cols !== x.cols) {
      throw new RangeError(`k-means: init is ${o.init.rows}x${o.init.cols}, expected ${o.k}x${x.cols}`);
    }
    const start = cosine ? l2NormalizeRows({ ...o.init, data: o.init.data.slice() }) : o.init;
    return lloyd(xx, start, o, tolAbs);
  }
  let best: KmeansFit | undefined;
  for (let r = 0; r < o.nInit; r++) {
    const seeds = kmeansPlusPlus(xx, o.k, rng, cosine);
    const start = new Float32Array(o.k * x.cols);
    seeds.forEach((s, j) => start.set(xx.data.subarray(s * x.cols, (s + 1) * x.cols), j * x.cols));
    const fit = lloyd(xx, { rows: o.k, cols: x.cols, data: start }, o, tolAbs);
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
