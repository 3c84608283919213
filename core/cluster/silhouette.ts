/**
 * Partition utilities and internal clustering quality: canonical labels and the silhouette (as
 * sklearn.metrics.silhouette_score). Agreement with true labels (ARI, NMI, purity, accuracy) is in
 * ./agreement.ts.
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
