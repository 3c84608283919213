/**
 * Concrete k-means (Gao et al.): Gumbel-softmax hard assignment with a straight-through gradient.
 * `cluster()` seeds centroids with greedy k-means++ and fits them by Adam on the straight-through
 * distortion with an annealed temperature; the forward/backward pieces a trainable head needs
 * (concreteAssign, softBackward, logitsBackward) live in core/cluster/concrete.ts, and the joint loss
 * lives with the losses. `extra` exposes the centroids and the assignment probabilities.
 * @module
 */
import type { ClustererPlugin, ClusterRequest, ClusterResult } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import { checkClusterRequest } from "../../core/cluster/request.ts";
import { Rng } from "../../core/random.ts";
import { kmeansPlusPlus } from "../../core/cluster/kmeans.ts";
import { concreteAssign, distortion } from "../../core/cluster/concrete.ts";

/** Options of the `concrete-kmeans` clusterer. */
export interface ConcreteKmeansConfig {
  /** number of clusters (0 = request.numClusters, required one way or the other) */
  k: number;
  /** Adam steps on the straight-through distortion (0 = k-means++ seeds only) */
  steps: number;
  /** Adam learning rate, relative to the data's per-feature standard deviation */
  lr: number;
  /** Gumbel-softmax temperature at the first step (annealed geometrically) */
  tauStart: number;
  /** temperature at the last step; also the temperature of the returned probabilities */
  tauEnd: number;
  /** seed of k-means++ and the Gumbel noise (request.seed overrides); recorded in extra.seed */
  seed: number;
}

const NAME = "clusterer 'concrete-kmeans'";

/** `concrete-kmeans` clusterer plugin. */
export const concreteKmeansClusterer: ClustererPlugin<ConcreteKmeansConfig> = {
  kind: "clusterer",
  name: "concrete-kmeans",
  description:
    "concrete k-means: Gumbel-softmax hard assignment, straight-through gradients; exposes centroids",
  defaults: { k: 0, steps: 100, lr: 0.05, tauStart: 1, tauEnd: 0.1, seed: 0 },
  options: {
    k: "number of clusters (0 = request.numClusters, required one way or the other)",
    steps: "Adam steps on the straight-through distortion (0 = k-means++ seeds only)",
    lr: "Adam learning rate, relative to the data's per-feature standard deviation",
    tauStart: "Gumbel-softmax temperature at the first step (annealed geometrically)",
    tauEnd: "temperature at the last step; also the temperature of the returned probabilities",
    seed: "seed of k-means++ and the Gumbel noise (request.seed overrides); recorded in extra.seed",
  },
  validate(c) {
    check.integer(NAME, "k", c.k, 0);
    check.integer(NAME, "steps", c.steps, 0, 1e6);
    check.positive(NAME, "lr", c.lr);
    check.positive(NAME, "tauStart", c.tauStart);
    check.positive(NAME, "tauEnd", c.tauEnd);
    check.integer(NAME, "seed", c.seed, 0, 2 ** 32 - 1);
  },
  create(c) {
    return {
      cluster(x: Matrix, req: ClusterRequest = {}): ClusterResult {
        assertFinite(x, NAME);
        checkClusterRequest(NAME, req);
        const k = req.numClusters ?? (c.k || undefined);
        if (k === undefined) {
          throw new ConfigError(NAME, "needs a cluster count: set 'k' or pass request.numClusters");
        }
        const seed = req.seed ?? c.seed;
        if (x.rows === 0) return { labels: new Int32Array(0), numClusters: 0, extra: { seed } };
        if (k < 1 || k > x.rows) throw new ConfigError(NAME, `k = ${k} must be in [1, ${x.rows}]`);
        const rng = new Rng(seed);
        const d = x.cols;
        const seeds = kmeansPlusPlus(x, k, rng, false);
        const cdata = new Float32Array(k * d);
        seeds.forEach((s, j) => cdata.set(x.data.subarray(s * d, (s + 1) * d), j * d));
        const cent: Matrix = { rows: k, cols: d, data: cdata };
        // per-feature scale for the learning rate
        let v = 0;
        for (let t = 0; t < d; t++) {
          let s = 0, s2 = 0;
          for (let i = 0; i < x.rows; i++) (s += x.data[i * d + t]), (s2 += x.data[i * d + t] ** 2);
          v += Math.max(0, s2 / x.rows - (s / x.rows) ** 2);
        }
        const lr = c.lr * Math.sqrt(v / d || 1);
        const m = new Float64Array(k * d), s2 = new Float64Array(k * d);
        const b1 = 0.9, b2 = 0.999;
        const losses: number[] = [];
        for (let step = 0; step < c.steps; step++) {
          const tau = c.tauStart * (c.tauEnd / c.tauStart) ** (c.steps > 1 ? step / (c.steps - 1) : 1);
          const a = concreteAssign(x, cent, tau, rng);
          const { loss, gradC } = distortion(x, cent, a, tau);
          losses.push(loss);
          for (let t = 0; t < k * d; t++) {
            m[t] = b1 * m[t] + (1 - b1) * gradC[t];
            s2[t] = b2 * s2[t] + (1 - b2) * gradC[t] ** 2;
            const mh = m[t] / (1 - b1 ** (step + 1)), vh = s2[t] / (1 - b2 ** (step + 1));
            cent.data[t] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
          }
        }
        const final = concreteAssign(x, cent, c.tauEnd);
        const used = new Map<number, number>();
        const labels = new Int32Array(x.rows);
        for (let i = 0; i < x.rows; i++) {
          let l = used.get(final.hard[i]);
          if (l === undefined) used.set(final.hard[i], l = used.size);
          labels[i] = l;
        }
        return {
          labels,
          numClusters: used.size,
          extra: {
            centroids: cent,
            probabilities: final.soft,
            centroidOfLabel: [...used.keys()],
            losses,
            tau: c.tauEnd,
            seed,
          },
        };
      },
    };
  },
};
