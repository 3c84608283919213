/**
 * Agglomerative hierarchical clustering (AHC) with the seven scipy linkages, stopped by a cluster count
 * or a distance threshold. The dendrogram comes back in scipy's linkage-matrix format.
 * @module
 */
import type { Clusterer } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { countLabels, linkage } from "../../core/cluster/linkage.ts";
import { AHC_OPTIONS, condensedDistances, cutLinkage, validateAhc } from "../../core/cluster/ahc_options.ts";
import { checkedClusterer } from "./cluster_kit.ts";

/** `ahc` clusterer plugin. */
export const ahcClusterer = definePlugin({
  kind: "clusterer",
  name: "ahc",
  description:
    "agglomerative clustering (single/complete/average/weighted/centroid/median/ward), scipy-exact",
  module: import.meta.url,
  options: AHC_OPTIONS,
  validate: (c) => validateAhc(c),
  create: (c, _ctx, component): Clusterer =>
    checkedClusterer(component, (x, req) => {
      const n = x.rows;
      if (n === 0) {
        return { labels: new Int32Array(0), numClusters: 0, extra: { linkage: new Float64Array(0) } };
      }
      const z = linkage(condensedDistances(x, c.metric), n, c.linkage);
      const { labels, stoppedBy } = cutLinkage(z, n, c, req);
      return {
        labels,
        numClusters: countLabels(labels),
        extra: { linkage: z, linkageFormat: "scipy: rows [idA, idB, height, size], flat", stoppedBy },
      };
    }),
});
