/**
 * Clustering local embeddings of long recordings without an O(n^2) matrix beyond a memory budget.
 *
 * A 4 h recording cut every second gives up to ~43 000 local embeddings (3 per chunk), ~10^5 with a
 * finer step; pyannote's AgglomerativeClustering keeps the n(n-1)/2 float64 condensed distances
 * (7.4 GB at n = 43 000; pyannote issue #1819 reports ~12 GB on a 4 h file). Here:
 *
 * - n <= `maxExact` (from the budget): exact AHC on all rows (scipy-equal linkage, core/cluster/linkage.ts);
 * - above: a first pass groups the rows into at most `maxExact` small, tight groups, then AHC runs on
 *   the groups' means starting from their sizes (Lance-Williams with initial sizes, so centroid/average/
 *   ward merges weigh groups by how many rows they hold), and every row inherits its group's label.
 *   First pass `blocks` (default): consecutive blocks of `maxExact` rows (time order: the same speakers
 *   recur within a block), exact Ward AHC per block cut into floor(maxExact * block / n) groups, so groups
 *   hold ~n / maxExact rows and never exceed the budget; time O(n * maxExact). First pass `finch`: the
 *   finest FINCH level (core/cluster/finch.ts, O(n) memory) with at most `maxExact` clusters; faster,
 *   but first-neighbour chains can join two speakers in one group that the AHC then cannot split.
 *   Optionally (`reassign`) each row then moves to its closest final centroid.
 *
 * Measured (2 busy cores, nice 10): n = 100 000 rows of dimension 192, 8 synthetic speakers, centroid
 * linkage at threshold 0.7, default budget (512 MiB: 9459 rows per block): route blocks+ahc, 8 clusters,
 * 224 s, peak RSS 1.05 GiB against an estimate of 0.66 GiB of live data ({@link clusteringMemory}); the
 * gap is V8 freeing a block's distance matrix lazily (two blocks alive at once) plus the runtime.
 * Exact AHC on the same rows would need ~56 GiB.
 *
 * {@link clusteringMemory} gives the peak-memory estimate of both routes for a given n and dimension, so
 * a pipeline can report it and choose before allocating. Rows are compared by cosine (unit-normalised,
 * Euclidean for centroid/median/ward, as pyannote) or Euclidean distance.
 * @module
 */
import type { Matrix } from "../../matrix.ts";
import { cutAtThreshold, cutToCount, type Linkage, linkage } from "../../cluster/linkage.ts";
import { condensedDistances } from "../../cluster/ahc_options.ts";
import { clusterMeans, finch } from "../../cluster/finch.ts";

/** Options of {@link clusterLarge}. */
export interface LargeClusteringOptions {
  /** AHC linkage (default centroid, pyannote 3.1's). */
  readonly method?: Linkage;
  readonly metric?: "cosine" | "euclidean";
  /** Cut at this cophenetic distance (<=, scipy fcluster "distance")... */
  readonly threshold?: number;
  /** ...or into exactly this many clusters. */
  readonly numClusters?: number;
  /** With a threshold: cut to at least / at most this many clusters when the threshold gives fewer / more. */
  readonly minClusters?: number;
  readonly maxClusters?: number;
  /** Memory for the AHC's distances (bytes, default 512 MiB; 12 bytes per pair of rows at the peak). */
  readonly budgetBytes?: number;
  /** Rows clustered exactly at most (default: what the budget allows). */
  readonly maxExact?: number;
  /**
   * pyannote's rule: clusters of fewer rows than min(this, 10 % of the rows) join the closest large one,
   * and a count (numClusters, min/maxClusters) counts large clusters only (default 1: off).
   */
  readonly minClusterSize?: number;
  /** Move every row to its closest final centroid afterwards (default false). */
  readonly reassign?: boolean;
  /** First pass above the budget (default "blocks"). */
  readonly firstPass?: "blocks" | "finch";
}

/** Result of {@link clusterLarge}. */
export interface LargeClusteringResult {
  readonly labels: Int32Array;
  readonly numClusters: number;
  /** "exact", "blocks+ahc" or "finch+ahc". */
  readonly route: "exact" | "blocks+ahc" | "finch+ahc";
  /** Rows the AHC saw (n, or the first-pass group count). */
  readonly ahcRows: number;
  /** Estimated peak bytes of the route taken. */
  readonly peakBytes: number;
  /** What stopped the merging: "count K", "threshold <= T", with a clamp to min/maxClusters if one applied. */
  readonly stoppedBy: string;
}

/** Peak-memory estimates (bytes) for clustering n rows of dimension d. */
export interface MemoryEstimate {
  /** Exact AHC: condensed float64 distances + linkage + the rows. */
  readonly exact: number;
  /** First pass (rows, one block's AHC or FINCH neighbour blocks, labels) + AHC on m groups. */
  readonly twoStage: number;
  /** Groups the AHC sees on the two-stage route. */
  readonly groups: number;
}

const BLOCK = 256;

/**
 * Bytes per pair of rows at the AHC's peak: the float32 distances from the shared kernels (4) while
 * they are copied into the float64 condensed matrix the linkage updates (8).
 */
const PAIR_BYTES = 12;

/** Largest n whose AHC peak (n(n-1)/2 pairs x 12 bytes) fits `budget`. */
export function maxExactRows(budgetBytes: number): number {
  return Math.max(2, Math.floor((1 + Math.sqrt(1 + (8 * budgetBytes) / PAIR_BYTES)) / 2));
}

/** Peak memory of both routes for n rows of dimension d (float32 rows) and a given group bound. */
export function clusteringMemory(
  n: number,
  d: number,
  o: { budgetBytes?: number; maxExact?: number } = {},
): MemoryEstimate {
  const m = Math.min(n, o.maxExact ?? maxExactRows(o.budgetBytes ?? 512 * 2 ** 20));
  const rows = 4 * n * d;
  const ahc = (k: number) => (PAIR_BYTES * (k * (k - 1))) / 2 + 32 * Math.max(0, k - 1) + 4 * k * d;
  // rows + unit-row copy + labels, plus the largest of: one block's AHC (blocks), FINCH's neighbour
  // blocks (finch), the final AHC on the m group means (each freed before the next)
  const twoStage = 2 * rows + 16 * n + Math.max(ahc(m), 4 * BLOCK * n, ahc(m) + 4 * m * d);
  return { exact: rows + ahc(n), twoStage, groups: m };
}

function unitRows(x: Matrix): Matrix {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = 0; j < x.cols; j++) s += x.data[i * x.cols + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < x.cols; j++) out[i * x.cols + j] = x.data[i * x.cols + j] * inv;
  }
  return { rows: x.rows, cols: x.cols, data: out };
}

/** pyannote's effective minimum cluster size: min(minClusterSize, max(1, round(0.1 n))). */
export function effectiveMinSize(minClusterSize: number, n: number): number {
  return Math.max(1, Math.min(minClusterSize, Math.max(1, Math.round(0.1 * n))));
}

/** Rows of the AHC (rows, or first-pass groups with their sizes) and how their distances are taken. */
interface AhcRows {
  readonly x: Matrix;
  readonly sizes?: Float64Array;
  readonly metric: "cosine" | "euclidean";
  /** Rows in all (the sum of sizes). */
  readonly total: number;
}

/** Weighted size of each label. */
function labelSizes(labels: Int32Array, r: AhcRows): Float64Array {
  const out = new Float64Array(count(labels));
  labels.forEach((l, i) => (out[l] += r.sizes ? r.sizes[i] : 1));
  return out;
}

/**
 * pyannote's minimum-cluster-size rule: clusters holding fewer than `minSize` rows join the large
 * cluster with the closest centroid (size-weighted means); no large cluster: one cluster.
 */
function absorbSmall(labels: Int32Array, r: AhcRows, minSize: number): Int32Array {
  const sz = labelSizes(labels, r), k = sz.length, d = r.x.cols;
  const large = [...sz.keys()].filter((l) => sz[l] >= minSize);
  if (large.length === k) return labels;
  if (!large.length) return new Int32Array(labels.length);
  const c = new Float64Array(k * d);
  labels.forEach((l, i) => {
    const w = r.sizes ? r.sizes[i] : 1;
    for (let j = 0; j < d; j++) c[l * d + j] += (w * r.x.data[i * d + j]) / sz[l];
  });
  const dist = (a: number, b: number) => {
    let s = 0, na = 0, nb = 0;
    for (let j = 0; j < d; j++) {
      const u = c[a * d + j], v = c[b * d + j];
      if (r.metric === "cosine") (s += u * v), (na += u * u), (nb += v * v);
      else s += (u - v) ** 2;
    }
    return r.metric === "cosine" ? 1 - s / Math.sqrt(na * nb || 1) : s;
  };
  const to = new Int32Array(k);
  for (let l = 0; l < k; l++) {
    to[l] = sz[l] >= minSize ? l : large.reduce((b, g) => (dist(l, g) < dist(l, b) ? g : b), large[0]);
  }
  const rank = new Map(large.map((g, i) => [g, i]));
  return Int32Array.from(labels, (l) => rank.get(to[l])!);
}

/** The finest cut to a count with `target` large clusters (searched from `target` clusters up). */
function cutToLarge(z: Float64Array, n: number, target: number, r: AhcRows, minSize: number): Int32Array {
  let labels = cutToCount(z, n, Math.min(target, n));
  for (let k = target + 1; k <= Math.min(n, target + 200); k++) {
    if (labelSizes(labels, r).filter((v) => v >= minSize).length >= target) break;
    labels = cutToCount(z, n, k);
  }
  return labels;
}

function cut(
  z: Float64Array,
  n: number,
  o: LargeClusteringOptions,
  r: AhcRows,
): { labels: Int32Array; stoppedBy: string } {
  const minSize = effectiveMinSize(o.minClusterSize ?? 1, r.total);
  const small = minSize > 1 ? `, clusters under ${minSize} rows absorbed` : "";
  const finish = (labels: Int32Array, stoppedBy: string) => ({
    labels: minSize > 1 ? absorbSmall(labels, r, minSize) : labels,
    stoppedBy: stoppedBy + small,
  });
  if (n < 2) return { labels: new Int32Array(n), stoppedBy: "one row" };
  if (o.numClusters !== undefined) {
    return finish(cutToLarge(z, n, o.numClusters, r, minSize), `count ${o.numClusters}`);
  }
  if (o.threshold === undefined) throw new RangeError("clusterLarge: give a threshold or numClusters");
  const stop = `threshold <= ${o.threshold}`;
  const labels = cutAtThreshold(z, n, o.threshold, true);
  const k = labelSizes(labels, r).filter((v) => v >= minSize).length;
  if (o.maxClusters !== undefined && k > o.maxClusters) {
    return finish(
      cutToLarge(z, n, o.maxClusters, r, minSize),
      `${stop} (clamped to maxClusters ${o.maxClusters})`,
    );
  }
  if (o.minClusters !== undefined && k < o.minClusters) {
    const want = Math.min(o.minClusters, n);
    return finish(cutToLarge(z, n, want, r, minSize), `${stop} (clamped to minClusters ${o.minClusters})`);
  }
  return finish(labels, stop);
}

/** Exact AHC below the budget, a first pass (blocks or FINCH) + AHC on group means above it. */
export function clusterLarge(x: Matrix, o: LargeClusteringOptions = {}): LargeClusteringResult {
  const method = o.method ?? "centroid", metric = o.metric ?? "cosine";
  const euclid = metric === "euclidean" || method === "centroid" || method === "median" || method === "ward";
  const xx = metric === "cosine" ? unitRows(x) : x;
  const dist = euclid ? "euclidean" : "cosine";
  const n = x.rows;
  const maxExact = o.maxExact ?? maxExactRows(o.budgetBytes ?? 512 * 2 ** 20);
  const mem = clusteringMemory(n, x.cols, { maxExact });
  if (n <= maxExact) {
    const rows: AhcRows = { x: xx, metric: dist, total: n };
    const { labels, stoppedBy } = cut(linkage(condensedDistances(xx, dist), n, method), n, o, rows);
    return {
      labels,
      numClusters: count(labels),
      route: "exact",
      ahcRows: n,
      peakBytes: mem.exact,
      stoppedBy,
    };
  }
  let groups: Int32Array, m: number;
  if ((o.firstPass ?? "blocks") === "finch") {
    const h = finch(xx, metric === "cosine" ? "cosine" : "euclidean");
    let level = h.counts.findIndex((c) => c <= maxExact);
    if (level < 0) level = h.counts.length - 1;
    groups = h.partitions[level];
    m = h.counts[level];
  } else {
    groups = new Int32Array(n);
    m = 0;
    for (let b0 = 0; b0 < n; b0 += maxExact) {
      const b1 = Math.min(n, b0 + maxExact), nb = b1 - b0;
      const want = Math.max(1, Math.min(nb, Math.floor((maxExact * nb) / n)));
      const block = { rows: nb, cols: x.cols, data: xx.data.subarray(b0 * x.cols, b1 * x.cols) };
      // Ward on the (unit) rows: compact, balanced groups; other linkages cut to a count leave outliers
      // alone and lump the rest into a few large mixed groups
      const bl = nb < 2
        ? new Int32Array(nb)
        : cutToCount(linkage(condensedDistances(block, "euclidean"), nb, "ward"), nb, want);
      let k = 0;
      for (let i = 0; i < nb; i++) {
        groups[b0 + i] = m + bl[i];
        k = Math.max(k, bl[i] + 1);
      }
      m += k;
    }
  }
  const sizes = new Float64Array(m);
  for (const g of groups) sizes[g]++;
  const means = clusterMeans(xx, groups, m);
  const rows: AhcRows = { x: means, sizes, metric: dist, total: n };
  const { labels: gl, stoppedBy } = cut(
    linkage(condensedDistances(means, dist), m, method, sizes),
    m,
    o,
    rows,
  );
  let labels: Int32Array = Int32Array.from(groups, (g) => gl[g]);
  if (o.reassign) labels = reassign(xx, labels, dist);
  const route = (o.firstPass ?? "blocks") === "finch" ? "finch+ahc" : "blocks+ahc";
  return { labels, numClusters: count(labels), route, ahcRows: m, peakBytes: mem.twoStage, stoppedBy };
}

/** Each row to its closest centroid (means of the current labels), in row blocks. */
function reassign(x: Matrix, labels: Int32Array, dist: "cosine" | "euclidean"): Int32Array {
  const k = count(labels), d = x.cols;
  const c = clusterMeans(x, labels, k);
  const out = new Int32Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let best = 0, bv = Infinity;
    for (let j = 0; j < k; j++) {
      let s = 0;
      if (dist === "euclidean") {
        for (let t = 0; t < d; t++) s += (x.data[i * d + t] - c.data[j * d + t]) ** 2;
      } else for (let t = 0; t < d; t++) s -= x.data[i * d + t] * c.data[j * d + t];
      if (s < bv) bv = s, best = j;
    }
    out[i] = best;
  }
  return out;
}

function count(labels: Int32Array): number {
  let m = -1;
  for (const l of labels) m = Math.max(m, l);
  return m + 1;
}
