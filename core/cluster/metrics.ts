/**
 * Partition utilities and clustering quality measures: canonical labels, adjusted Rand index,
 * silhouette (as sklearn.metrics.silhouette_score).
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { cosineMatrix, sqEuclideanMatrix } from "../kernels/distance.ts";

/** Relabels to 0..k-1 in order of first appearance (two equal partitions get equal arrays). */
export function canonicalLabels(labels: ArrayLike<number>): Int32Array {
  const map = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let l = map.get(labels[i]);
    if (l === undefined) map.set(labels[i], l = map.size);
    out[i] = l;
  }
  return out;
}

/** Adjusted Rand index between two labelings (1 = identical partitions). */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`ARI: ${a.length} vs ${b.length} labels`);
  const n = a.length;
  const ca = canonicalLabels(a), cb = canonicalLabels(b);
  const ka = Math.max(-1, ...ca) + 1, kb = Math.max(-1, ...cb) + 1;
  const table = new Float64Array(ka * kb);
  const ra = new Float64Array(ka), rb = new Float64Array(kb);
  for (let i = 0; i < n; i++) {
    table[ca[i] * kb + cb[i]]++;
    ra[ca[i]]++;
    rb[cb[i]]++;
  }
  const c2 = (x: number) => (x * (x - 1)) / 2;
  let sumIj = 0, sumA = 0, sumB = 0;
  for (const v of table) sumIj += c2(v);
  for (const v of ra) sumA += c2(v);
  for (const v of rb) sumB += c2(v);
  const expected = (sumA * sumB) / c2(n || 1);
  const max = (sumA + sumB) / 2;
  if (max === expected) return 1;
  return (sumIj - expected) / (max - expected);
}

/**
 * Mean silhouette coefficient (sklearn.metrics.silhouette_score): Euclidean or cosine distance;
 * points in singleton clusters score 0. Computed in row blocks, O(n^2 d) time, O(block * n) memory.
 */
export function silhouette(
  x: Matrix,
  labels: ArrayLike<number>,
  metric: "euclidean" | "cosine" = "euclidean",
): number {
  const n = x.rows;
  const lab = canonicalLabels(labels);
  const k = Math.max(-1, ...lab) + 1;
  if (k < 2 || k >= n) {
    throw new RangeError(`silhouette needs 2 <= clusters < points, got ${k} clusters for ${n} points`);
  }
  const counts = new Float64Array(k);
  for (const l of lab) counts[l]++;
  const block = 256;
  let total = 0;
  const sums = new Float64Array(k);
  for (let s = 0; s < n; s += block) {
    const e = Math.min(n, s + block);
    const blk: Matrix = { rows: e - s, cols: x.cols, data: x.data.subarray(s * x.cols, e * x.cols) };
    const dm = metric === "cosine" ? cosineMatrix(blk, x) : sqEuclideanMatrix(blk, x);
    for (let r = 0; r < e - s; r++) {
      sums.fill(0);
      const off = r * n;
      for (let j = 0; j < n; j++) {
        const v = dm.data[off + j];
        sums[lab[j]] += metric === "cosine" ? 1 - v : Math.sqrt(Math.max(0, v));
      }
      const own = lab[s + r];
      if (counts[own] <= 1) continue;
      const a = (sums[own] - (metric === "cosine" ? Math.max(0, 1 - dm.data[off + s + r]) : 0)) /
        (counts[own] - 1);
      let b = Infinity;
      for (let c = 0; c < k; c++) if (c !== own && counts[c] > 0) b = Math.min(b, sums[c] / counts[c]);
      total += (b - a) / Math.max(a, b);
    }
  }
  return total / n;
}
