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
  /** Memory for the AHC's distances (bytes, default 512 MiB; 12 bytes per pair of rows at the peak). */
  readonly budgetBytes?: number;
  /** Rows clustered exactly at most (default: what the budget allows). */
  readonly maxExact?: number;
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

function cut(z: Float64Array, n: number, o: LargeClusteringOptions): Int32Array {
  if (n < 2) return new Int32Array(n);
  if (o.numClusters !== undefined) return cutToCount(z, n, Math.min(o.numClusters, n));
  if (o.threshold === undefined) throw new RangeError("clusterLarge: give a threshold or numClusters");
  return cutAtThreshold(z, n, o.threshold, true);
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
    const labels = cut(linkage(condensedDistances(xx, dist), n, method), n, o);
    return { labels, numClusters: count(labels), route: "exact", ahcRows: n, peakBytes: mem.exact };
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
  const gl = cut(linkage(condensedDistances(means, dist), m, method, sizes), m, o);
  let labels: Int32Array = Int32Array.from(groups, (g) => gl[g]);
  if (o.reassign) labels = reassign(xx, labels, dist);
  const route = (o.firstPass ?? "blocks") === "finch" ? "finch+ahc" : "blocks+ahc";
  return { labels, numClusters: count(labels), route, ahcRows: m, peakBytes: mem.twoStage };
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
