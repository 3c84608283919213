/**
 * FINCH + AHC hybrid (as in self-supervised diarization recipes): FINCH's first partition gives the
 * initial clusters, then agglomerative clustering merges them down to the target count (or threshold).
 *
 * Initial cluster-to-cluster distances are exact for the chosen linkage: single / complete / average
 * (and weighted, started like average) from all point pairs (min / max / mean), computed in row blocks
 * so memory is O(block x n + m^2) for m first-level clusters; ward and centroid from the cluster means
 * (ward: sqrt(2 na nb / (na + nb)) |ca - cb|, scipy's convention), median from the means too. The
 * Lance-Williams updates then use the cluster sizes, so average/complete/single/ward/centroid give the
 * same dendrogram above the first partition as full AHC constrained to start from it.
 * @module
 */
import type { Clusterer } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import type { Matrix } from "../../core/matrix.ts";
import { cosineMatrix, pdist, sqEuclideanMatrix } from "../../core/kernels/distance.ts";
import { clusterMeans, finch } from "../../core/cluster/finch.ts";
import { countLabels, linkage } from "../../core/cluster/linkage.ts";
import { AHC_OPTIONS, type AhcConfig, cutLinkage, validateAhc } from "../../core/cluster/ahc_options.ts";
import { checkedClusterer, distanceOption } from "./cluster_kit.ts";

/** Condensed distances between the m initial clusters, exact for the linkage (see module doc). */
function clusterDistances(
  x: Matrix,
  labels: Int32Array,
  m: number,
  sizes: Float64Array,
  c: AhcConfig,
): Float64Array {
  const cond = new Float64Array((m * (m - 1)) / 2);
  const ci = (a: number, b: number) => {
    if (a > b) [a, b] = [b, a];
    return m * a - (a * (a + 1)) / 2 + (b - a - 1);
  };
  if (c.linkage === "ward" || c.linkage === "centroid" || c.linkage === "median") {
    const means = clusterMeans(x, labels, m);
    const d = pdist(means, "euclidean");
    for (let a = 0; a < m; a++) {
      for (let b = a + 1; b < m; b++) {
        const k = ci(a, b);
        const w = c.linkage === "ward" ? Math.sqrt((2 * sizes[a] * sizes[b]) / (sizes[a] + sizes[b])) : 1;
        cond[k] = w * d[k];
      }
    }
    return cond;
  }
  const n = x.rows;
  const init = c.linkage === "single" ? Infinity : c.linkage === "complete" ? -Infinity : 0;
  cond.fill(init);
  const BLOCK = 256;
  for (let s = 0; s < n; s += BLOCK) {
    const e = Math.min(n, s + BLOCK);
    const blk: Matrix = { rows: e - s, cols: x.cols, data: x.data.subarray(s * x.cols, e * x.cols) };
    const dm = c.metric === "cosine" ? cosineMatrix(blk, x) : sqEuclideanMatrix(blk, x);
    for (let r = 0; r < e - s; r++) {
      const i = s + r, li = labels[i];
      for (let j = i + 1; j < n; j++) {
        const lj = labels[j];
        if (li === lj) continue;
        const v = dm.data[r * n + j];
        const dist = c.metric === "cosine" ? Math.max(0, 1 - v) : Math.sqrt(Math.max(0, v));
        const k = ci(li, lj);
        if (c.linkage === "single") cond[k] = Math.min(cond[k], dist);
        else if (c.linkage === "complete") cond[k] = Math.max(cond[k], dist);
        else cond[k] += dist;
      }
    }
  }
  if (c.linkage === "average" || c.linkage === "weighted") {
    for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) cond[ci(a, b)] /= sizes[a] * sizes[b];
  }
  return cond;
}

/** `finch-ahc` clusterer plugin. */
export const finchAhcClusterer = definePlugin({
  kind: "clusterer",
  name: "finch-ahc",
  description: "FINCH first partition, then AHC over those clusters to the target count or threshold",
  module: import.meta.url,
  options: {
    ...AHC_OPTIONS,
    finchMetric: distanceOption("cosine", "first-neighbour distance of the FINCH step: cosine or euclidean"),
  },
  validate: (c, component) => validateAhc(c, component),
  create: (c, _ctx, component): Clusterer =>
    checkedClusterer(component, (x, req) => {
      const n = x.rows;
      if (n === 0) return { labels: new Int32Array(0), numClusters: 0 };
      const first = finch(x, c.finchMetric).partitions[0];
      const m = countLabels(first);
      const sizes = new Float64Array(m);
      for (const l of first) sizes[l]++;
      const want = req.numClusters ?? (c.numClusters || undefined);
      if (m === 1 || (want !== undefined && want >= m)) {
        return { labels: first, numClusters: m, extra: { firstPartition: first, firstCount: m } };
      }
      const z = linkage(clusterDistances(x, first, m, sizes, c), m, c.linkage, sizes);
      const cut = cutLinkage(z, m, c, req, component);
      const labels = new Int32Array(n);
      const map = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const l = cut.labels[first[i]];
        let v = map.get(l);
        if (v === undefined) map.set(l, v = map.size);
        labels[i] = v;
      }
      return {
        labels,
        numClusters: map.size,
        extra: { firstPartition: first, firstCount: m, linkage: z, stoppedBy: cut.stoppedBy },
      };
    }),
});
