/**
 * k-means (sklearn-compatible Lloyd with greedy k-means++), Euclidean or spherical (cosine), with K
 * chosen by the kneedle elbow of the WCSS curve (as in the SdSV 2021 CRMI-DKU pseudo-labelling step) or
 * by the best silhouette when the caller does not give it.
 * @module
 */
import type { Clusterer, ClusterResult } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import { Rng } from "../../core/random.ts";
import { kmeans, type KmeansFit, kneedle } from "../../core/cluster/kmeans.ts";
import { silhouette } from "../../core/cluster/silhouette.ts";
import { checkedClusterer, distanceOption, seedOption } from "./cluster_kit.ts";

/** `kmeans` clusterer plugin. */
export const kmeansClusterer = definePlugin({
  kind: "clusterer",
  name: "kmeans",
  description:
    "k-means (k-means++ greedy, Lloyd, n_init), euclidean or spherical; K by kneedle elbow or silhouette",
  module: import.meta.url,
  options: {
    k: opt.integer(
      0,
      "number of clusters (0 = request.numClusters, else chosen by selectK in [kMin, kMax])",
      {
        min: 0,
      },
    ),
    metric: distanceOption("euclidean", "euclidean, or cosine = spherical k-means on L2-normalised rows"),
    nInit: opt.integer(10, "independent k-means++ starts; the lowest inertia wins (sklearn n_init)", {
      min: 1,
      max: 1000,
    }),
    maxIter: opt.integer(300, "Lloyd iterations per start", { min: 1 }),
    tol: opt.number(
      1e-4,
      "relative tolerance on the total squared centre shift, times the mean feature variance (sklearn)",
      { min: 0 },
    ),
    seed: seedOption("random seed (request.seed overrides); recorded in extra.seed"),
    selectK: opt.oneOf(
      ["elbow", "silhouette"] as const,
      "elbow",
      "how K is chosen when not given: elbow (kneedle on WCSS) or silhouette (max mean silhouette)",
    ),
    kMin: opt.integer(1, "smallest K tried by selectK (request.minClusters overrides)", { min: 1 }),
    kMax: opt.integer(10, "largest K tried by selectK (request.maxClusters overrides)", { min: 1 }),
  },
  validate(c, component) {
    if (c.kMin > c.kMax) throw new ConfigError(component, `kMin (${c.kMin}) must be <= kMax (${c.kMax})`);
  },
  create: (c, _ctx, component): Clusterer =>
    checkedClusterer(component, (x, req) => {
      const seed = req.seed ?? c.seed;
      const rng = new Rng(seed);
      const opts = (k: number) => ({ k, metric: c.metric, nInit: c.nInit, maxIter: c.maxIter, tol: c.tol });
      const done = (fit: KmeansFit, extra: Record<string, unknown>): ClusterResult => ({
        labels: fit.labels,
        numClusters: fit.centroids.rows,
        extra: {
          centroids: fit.centroids,
          inertia: fit.inertia,
          iterations: fit.iterations,
          seed,
          ...extra,
        },
      });
      if (x.rows === 0) return { labels: new Int32Array(0), numClusters: 0, extra: { seed } };
      const fixed = req.numClusters ?? (c.k || undefined);
      if (fixed !== undefined) {
        const k = Math.min(fixed, x.rows); // more clusters than rows: one per row
        return done(kmeans(x, opts(k), rng), { chosenK: k });
      }
      const lo = Math.max(c.selectK === "silhouette" ? 2 : 1, req.minClusters ?? c.kMin);
      const hi = Math.min(x.rows - (c.selectK === "silhouette" ? 1 : 0), req.maxClusters ?? c.kMax);
      if (lo > hi) {
        throw new ConfigError(component, `no K to try: range [${lo}, ${hi}] is empty for ${x.rows} rows`);
      }
      const ks: number[] = [], fits: KmeansFit[] = [], scores: number[] = [];
      for (let k = lo; k <= hi; k++) {
        const fit = kmeans(x, opts(k), rng);
        ks.push(k);
        fits.push(fit);
        scores.push(c.selectK === "elbow" ? fit.inertia : silhouette(x, fit.labels, c.metric));
      }
      let pick: number;
      if (c.selectK === "elbow") pick = kneedle(ks, scores);
      else pick = scores.indexOf(Math.max(...scores));
      return done(fits[pick], {
        chosenK: ks[pick],
        ks,
        [c.selectK === "elbow" ? "wcss" : "silhouette"]: scores,
      });
    }),
});
