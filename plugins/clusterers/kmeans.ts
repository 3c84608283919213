/**
 * k-means (sklearn-compatible Lloyd with greedy k-means++), Euclidean or spherical (cosine), with K
 * chosen by the kneedle elbow of the WCSS curve (as in the SdSV 2021 CRMI-DKU pseudo-labelling step) or
 * by the best silhouette when the caller does not give it.
 * @module
 */
import type { ClustererPlugin, ClusterRequest, ClusterResult } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import { checkClusterRequest } from "../../core/cluster/request.ts";
import { Rng } from "../../core/random.ts";
import { kmeans, type KmeansFit, kneedle } from "../../core/cluster/kmeans.ts";
import { silhouette } from "../../core/cluster/metrics.ts";

/** Options of the `kmeans` clusterer. */
export interface KmeansConfig {
  /** number of clusters (0 = request.numClusters, else chosen by selectK in [kMin, kMax]) */
  k: number;
  /** euclidean, or cosine = spherical k-means on L2-normalised rows */
  metric: "euclidean" | "cosine";
  /** independent k-means++ starts; the lowest inertia wins (sklearn n_init) */
  nInit: number;
  /** Lloyd iterations per start */
  maxIter: number;
  /** relative tolerance on the total squared centre shift, times the mean feature variance (sklearn) */
  tol: number;
  /** random seed (request.seed overrides); recorded in extra.seed */
  seed: number;
  /** how K is chosen when not given: elbow (kneedle on WCSS) or silhouette (max mean silhouette) */
  selectK: "elbow" | "silhouette";
  /** smallest K tried by selectK (request.minClusters overrides) */
  kMin: number;
  /** largest K tried by selectK (request.maxClusters overrides) */
  kMax: number;
}

const NAME = "clusterer 'kmeans'";

/** `kmeans` clusterer plugin. */
export const kmeansClusterer: ClustererPlugin<KmeansConfig> = {
  kind: "clusterer",
  name: "kmeans",
  description:
    "k-means (k-means++ greedy, Lloyd, n_init), euclidean or spherical; K by kneedle elbow or silhouette",
  defaults: {
    k: 0,
    metric: "euclidean",
    nInit: 10,
    maxIter: 300,
    tol: 1e-4,
    seed: 0,
    selectK: "elbow",
    kMin: 1,
    kMax: 10,
  },
  options: {
    k: "number of clusters (0 = request.numClusters, else chosen by selectK in [kMin, kMax])",
    metric: "euclidean, or cosine = spherical k-means on L2-normalised rows",
    nInit: "independent k-means++ starts; the lowest inertia wins (sklearn n_init)",
    maxIter: "Lloyd iterations per start",
    tol: "relative tolerance on the total squared centre shift, times the mean feature variance (sklearn)",
    seed: "random seed (request.seed overrides); recorded in extra.seed",
    selectK: "how K is chosen when not given: elbow (kneedle on WCSS) or silhouette (max mean silhouette)",
    kMin: "smallest K tried by selectK (request.minClusters overrides)",
    kMax: "largest K tried by selectK (request.maxClusters overrides)",
  },
  validate(c) {
    check.integer(NAME, "k", c.k, 0);
    check.oneOf(NAME, "metric", c.metric, ["euclidean", "cosine"] as const);
    check.integer(NAME, "nInit", c.nInit, 1, 1000);
    check.integer(NAME, "maxIter", c.maxIter, 1);
    check.nonNegative(NAME, "tol", c.tol);
    check.integer(NAME, "seed", c.seed, 0, 2 ** 32 - 1);
    check.oneOf(NAME, "selectK", c.selectK, ["elbow", "silhouette"] as const);
    check.integer(NAME, "kMin", c.kMin, 1);
    check.integer(NAME, "kMax", c.kMax, 1);
    if (c.kMin > c.kMax) throw new ConfigError(NAME, `kMin (${c.kMin}) must be <= kMax (${c.kMax})`);
  },
  create(c) {
    return {
      cluster(x: Matrix, req: ClusterRequest = {}): ClusterResult {
        assertFinite(x, NAME);
        checkClusterRequest(NAME, req);
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
          throw new ConfigError(NAME, `no K to try: range [${lo}, ${hi}] is empty for ${x.rows} rows`);
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
      },
    };
  },
};
