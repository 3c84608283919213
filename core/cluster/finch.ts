/**
 * FINCH (Sarfraz, Sharma, Stiefelhagen, "Efficient Parameter-free Clustering Using First Neighbor
 * Relations", CVPR 2019).
 *
 * Level 1 links i and j when j = k1(i), k1(j) = i or k1(i) = k1(j) (k1 = first neighbour); the clusters
 * are the connected components of that graph (equivalently of the edges i -- k1(i)). Each next level
 * repeats on the cluster means (means of the original points), until one cluster would remain (that
 * all-in-one level is dropped, as in the authors' code) or nothing merges. `reqClust` lands exactly on a
 * requested count: start from the coarsest level with >= reqClust clusters and merge the
 * globally closest pair of means one at a time.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { dotMatrix, l2NormalizeRows, sqEuclideanMatrix } from "../kernels/distance.ts";
import { ANN_DEFAULTS, type AnnOptions, approxNeighbours } from "./ann.ts";
import { rootLabels, unionFind } from "./union_find.ts";

/** Distance used for first neighbours. */
export type FinchMetric = "cosine" | "euclidean";

/** The FINCH hierarchy. */
export interface FinchResult {
  /** One labeling per level, finest first; labels 0..k-1 in first-appearance order. */
  readonly partitions: Int32Array[];
  /** Cluster count of each level. */
  readonly counts: number[];
}

/** Rows per distance block: bounds memory to block x n floats. */
const BLOCK = 256;

/**
 * First neighbour of every row (excluding itself) and its distance (cosine distance 1 - cos, or squared
 * Euclidean). Exact, computed in row blocks on the shared distance kernels; ties go to the lowest index.
 */
export function firstNeighbours(x: Matrix, metric: FinchMetric): { nn: Int32Array; dist: Float64Array } {
  const n = x.rows;
  const nn = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n).fill(Infinity);
  const xn = metric === "cosine" ? l2NormalizeRows({ rows: n, cols: x.cols, data: x.data.slice() }) : x;
  for (let s = 0; s < n; s += BLOCK) {
    const e = Math.min(n, s + BLOCK);
    const blk: Matrix = { rows: e - s, cols: x.cols, data: xn.data.subarray(s * x.cols, e * x.cols) };
    const m = metric === "cosine" ? dotMatrix(blk, xn) : sqEuclideanMatrix(blk, xn);
    const d = m.data;
    for (let r = 0; r < e - s; r++) {
      const i = s + r, off = r * n;
      let best = -1, bv = 0;
      if (metric === "cosine") {
        bv = -Infinity;
        for (let j = 0; j < n; j++) if (j !== i && d[off + j] > bv) (bv = d[off + j]), (best = j);
        dist[i] = 1 - bv;
      } else {
        bv = Infinity;
        for (let j = 0; j < n; j++) if (j !== i && d[off + j] < bv) (bv = d[off + j]), (best = j);
        dist[i] = bv;
      }
      nn[i] = best;
    }
  }
  return { nn, dist };
}

/** Connected components of the graph with edges (a[t], b[t]); labels in first-appearance order. */
export function components(n: number, a: ArrayLike<number>, b: ArrayLike<number>): Int32Array {
  const forest = unionFind(n), { parent, find } = forest;
  for (let t = 0; t < a.length; t++) {
    if (a[t] < 0 || b[t] < 0) continue;
    const ra = find(a[t]), rb = find(b[t]);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  return rootLabels(forest, n);
}

/** Means of the original rows per cluster (float64 sums, float32 result). */
export function clusterMeans(x: Matrix, labels: Int32Array, k: number): Matrix {
  const d = x.cols;
  const sums = new Float64Array(k * d);
  const cnt = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    const l = labels[i];
    cnt[l]++;
    const o = i * d, q = l * d;
    for (let c = 0; c < d; c++) sums[q + c] += x.data[o + c];
  }
  const out = new Float32Array(k * d);
  for (let l = 0; l < k; l++) for (let c = 0; c < d; c++) out[l * d + c] = sums[l * d + c] / cnt[l];
  return { rows: k, cols: d, data: out };
}

function compose(prev: Int32Array, u: Int32Array): Int32Array {
  const raw = new Int32Array(prev.length);
  for (let i = 0; i < prev.length; i++) raw[i] = u[prev[i]];
  // re-canonicalise to first appearance over points
  const map = new Map<number, number>();
  for (let i = 0; i < raw.length; i++) {
    let l = map.get(raw[i]);
    if (l === undefined) map.set(raw[i], l = map.size);
    raw[i] = l;
  }
  return raw;
}

/** How first neighbours are searched. */
export interface FinchSearch {
  /** Use approximate neighbours on levels with more rows than this (the authors use 70000). */
  readonly annAbove: number;
  /** Settings of the approximate search. */
  readonly ann: AnnOptions;
}

/** Exact search up to 70000 rows, approximate above (as the authors' FINCH). */
export const FINCH_SEARCH: FinchSearch = { annAbove: 70000, ann: ANN_DEFAULTS };

function neighbours(x: Matrix, metric: FinchMetric, s: FinchSearch): { nn: Int32Array; dist: Float64Array } {
  return x.rows > s.annAbove ? approxNeighbours(x, metric, s.ann) : firstNeighbours(x, metric);
}

/** The full FINCH hierarchy of `x`. `onLevel` is called after each level (progress). */
export function finch(
  x: Matrix,
  metric: FinchMetric,
  onLevel?: (count: number) => void,
  search: FinchSearch = FINCH_SEARCH,
): FinchResult {
  const n = x.rows;
  if (n === 0) return { partitions: [], counts: [] };
  if (n === 1) return { partitions: [new Int32Array(1)], counts: [1] };
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let labels = components(n, idx, neighbours(x, metric, search).nn);
  const partitions = [labels];
  const counts = [count(labels)];
  onLevel?.(counts[0]);
  while (counts[counts.length - 1] > 1) {
    const k = counts[counts.length - 1];
    const means = clusterMeans(x, labels, k);
    const u = components(k, idx.subarray(0, k), neighbours(means, metric, search).nn);
    const kNew = count(u);
    if (kNew === 1 || kNew >= k) break;
    labels = compose(labels, u);
    partitions.push(labels);
    counts.push(kNew);
    onLevel?.(kNew);
  }
  return { partitions, counts };
}

/**
 * Exactly `req` clusters: from the coarsest level with >= req clusters (all singletons when none),
 * merge the closest pair of cluster means (first-neighbour distance) one at a time.
 */
export function finchToCount(x: Matrix, metric: FinchMetric, h: FinchResult, req: number): Int32Array {
  const n = x.rows;
  let level = -1;
  for (let i = 0; i < h.counts.length; i++) if (h.counts[i] >= req) level = i;
  let labels: Int32Array = level >= 0
    ? h.partitions[level].slice()
    : Int32Array.from({ length: n }, (_, i) => i);
  let k = level >= 0 ? h.counts[level] : n;
  while (k > req) {
    const means = clusterMeans(x, labels, k);
    const { nn, dist } = firstNeighbours(means, metric);
    let a = 0;
    for (let i = 1; i < k; i++) if (dist[i] < dist[a]) a = i;
    labels = compose(labels, components(k, [a], [nn[a]]));
    k--;
  }
  return labels;
}

function count(labels: Int32Array): number {
  let m = -1;
  for (const l of labels) if (l > m) m = l;
  return m + 1;
}
