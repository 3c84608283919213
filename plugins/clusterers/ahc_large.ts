/**
 * AHC under a memory budget, for recordings of any length (core/diarization/segmentation/long_clustering.ts
 * `clusterLarge`): up to the rows whose condensed distances fit `budgetMiB`, exact AHC (scipy-equal linkage,
 * the same partition as the `ahc` clusterer); above, a first pass groups the rows (consecutive blocks cut by
 * Ward, or FINCH) and AHC runs on the groups' means weighted by their sizes, so no O(n^2) matrix beyond the
 * budget is ever held. Cosine distances are taken on unit rows (Euclidean between unit rows for centroid,
 * median and ward, as pyannote does). The default diarization rule (core/pipelines/diarize_defaults.ts) is
 * this clusterer with a threshold tuned on AMI.
 * @module
 */
import type { Clusterer } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import { LINKAGES } from "../../core/cluster/linkage.ts";
import { clusterLarge } from "../../core/diarization/segmentation/long_clustering.ts";
import { checkedClusterer } from "./cluster_kit.ts";

/** `ahc-large` clusterer plugin. */
export const ahcLargeClusterer = definePlugin({
  kind: "clusterer",
  name: "ahc-large",
  description:
    "AHC within a memory budget: exact below it, blocks + AHC on group means above (hours of audio)",
  module: import.meta.url,
  options: {
    linkage: opt.oneOf(
      LINKAGES,
      "average",
      "linkage (centroid/median/ward compare unit rows by Euclidean distance)",
    ),
    metric: opt.oneOf(["cosine", "euclidean"] as const, "cosine", "cosine (on unit rows) or euclidean"),
    threshold: opt.number(
      null,
      "stop merging at this cophenetic distance (<=, scipy fcluster); null = unset",
      {
        min: 0,
        nullable: true,
      },
    ),
    numClusters: opt.integer(0, "stop at this many clusters (0 = request.numClusters or threshold)", {
      min: 0,
    }),
    // 256 MiB: beside the 0.9 GB of samples of a 4 h recording, the process stays under 2 GB
    budgetMiB: opt.number(256, "memory for the AHC's distances (MiB); more rows go the two-stage route", {
      gt: 0,
    }),
    minClusterSize: opt.integer(
      1,
      "pyannote's rule: clusters under min(this, 10 % of the rows) join the closest large one (1 = off)",
      { min: 1 },
    ),
    firstPass: opt.oneOf(["blocks", "finch"] as const, "blocks", "grouping above the budget"),
    reassign: opt.boolean(false, "move every row to its closest final centroid afterwards"),
  },
  create: (c, _ctx, component): Clusterer =>
    checkedClusterer(component, (x, req) => {
      const numClusters = req.numClusters ?? (c.numClusters || undefined);
      if (numClusters === undefined && c.threshold === null) {
        throw new ConfigError(
          component,
          "no stopping rule: pass request.numClusters, or set 'numClusters' or 'threshold' in the options",
        );
      }
      if (x.rows === 0) return { labels: new Int32Array(0), numClusters: 0, extra: {} };
      const r = clusterLarge(x, {
        method: c.linkage,
        metric: c.metric,
        threshold: c.threshold ?? undefined,
        numClusters,
        minClusters: req.minClusters,
        maxClusters: req.maxClusters,
        budgetBytes: c.budgetMiB * 2 ** 20,
        minClusterSize: c.minClusterSize,
        firstPass: c.firstPass,
        reassign: c.reassign,
      });
      return {
        labels: r.labels,
        numClusters: r.numClusters,
        extra: { route: r.route, ahcRows: r.ahcRows, peakBytes: r.peakBytes, stoppedBy: r.stoppedBy },
      };
    }),
});
