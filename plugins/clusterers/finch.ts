/**
 * FINCH: parameter-free clustering by first-neighbour relations (Sarfraz et al., CVPR 2019), with the
 * full hierarchy of partitions and `reqClust` to land on an exact count.
 * @module
 */
import type { Clusterer } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { finch, FINCH_SEARCH, finchToCount } from "../../core/cluster/finch.ts";
import { status } from "../../core/progress.ts";
import { checkedClusterer, distanceOption, seedOption } from "./cluster_kit.ts";

/** `finch` clusterer plugin. */
export const finchClusterer = definePlugin({
  kind: "clusterer",
  name: "finch",
  description: "FINCH first-neighbour clustering (CVPR 2019): full hierarchy, req_clust for an exact count",
  module: import.meta.url,
  options: {
    metric: distanceOption("cosine", "first-neighbour distance: cosine or euclidean"),
    reqClust: opt.integer(0, "exact number of clusters wanted (0 = none; request.numClusters overrides)", {
      min: 0,
    }),
    level: opt.integer(
      -1,
      "which hierarchy level gives the labels without an exact count: 0 = finest, -1 = coarsest " +
        "(request.min/maxClusters pick the coarsest level inside the bounds)",
      { min: -1000 },
    ),
    verbose: opt.boolean(false, "print each level's cluster count on stderr"),
    annAbove: opt.integer(
      70000,
      "levels with more rows than this use approximate first neighbours (RP-forest + NN-descent), " +
        "as the authors' code does above 70000; smaller levels are exact",
      { min: 0 },
    ),
    seed: seedOption("seed of the approximate search (request.seed overrides); recorded in extra.seed"),
  },
  create: (c, _ctx, component): Clusterer =>
    checkedClusterer(component, (x, req) => {
      const seed = req.seed ?? c.seed;
      const search = { annAbove: c.annAbove, ann: { ...FINCH_SEARCH.ann, seed } };
      const h = finch(
        x,
        c.metric,
        c.verbose ? (k) => status(`finch: level with ${k} clusters`) : undefined,
        search,
      );
      if (!h.partitions.length) {
        return { labels: new Int32Array(0), numClusters: 0, extra: { partitions: [], counts: [] } };
      }
      const want = req.numClusters ?? (c.reqClust || undefined);
      let labels: Int32Array;
      let chosen: string;
      if (want !== undefined) {
        labels = finchToCount(x, c.metric, h, Math.min(want, x.rows));
        chosen = `reqClust ${want}`;
      } else {
        let lv = c.level < 0 ? h.partitions.length + c.level : c.level;
        lv = Math.max(0, Math.min(h.partitions.length - 1, lv));
        if (req.minClusters !== undefined || req.maxClusters !== undefined) {
          const lo = req.minClusters ?? 1, hi = req.maxClusters ?? Infinity;
          const inside = h.counts.map((k, i) => [k, i]).filter(([k]) => k >= lo && k <= hi);
          if (inside.length) lv = inside[inside.length - 1][1];
          else if (h.counts[0] < lo) lv = 0;
          else lv = h.counts.length - 1;
        }
        labels = h.partitions[lv];
        chosen = `level ${lv}`;
      }
      let k = 0;
      for (const l of labels) if (l + 1 > k) k = l + 1;
      return {
        labels,
        numClusters: k,
        extra: {
          partitions: h.partitions,
          counts: h.counts,
          chosen,
          seed,
          approximate: x.rows > c.annAbove,
        },
      };
    }),
});
