/**
 * Concrete k-means (Gao et al.): Gumbel-softmax hard assignment with a straight-through gradient.
 * `cluster()` seeds centroids with greedy k-means++ and fits them by Adam on the straight-through
 * distortion with an annealed temperature; the forward/backward pieces a trainable head needs
 * (concreteAssign, softBackward, logitsBackward) live in core/cluster/concrete.ts, and the joint loss
 * lives with the losses. `extra` exposes the centroids and the assignment probabilities.
 * @module
 */
import type { Clusterer } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { Rng } from "../../core/random.ts";
import { kmeansPlusPlus } from "../../core/cluster/kmeans.ts";
import { concreteAssign, distortion } from "../../core/cluster/concrete.ts";
import { checkedClusterer, seedOption } from "./cluster_kit.ts";

/** `concrete-kmeans` clusterer plugin. */
export const concreteKmeansClusterer = definePlugin({
  kind: "clusterer",
  name: "concrete-kmeans",
  description:
    "concrete k-means: Gumbel-softmax hard assignment, straight-through gradients; exposes centroids",
  module: import.meta.url,
  options: {
    k: opt.integer(0, "number of clusters (0 = request.numClusters, required one way or the other)", {
      min: 0,
    }),
    steps: opt.integer(100, "Adam steps on the straight-through distortion (0 = k-means++ seeds only)", {
      min: 0,
      max: 1e6,
    }),
    lr: opt.number(0.05, "Adam learning rate, relative to the data's per-feature standard deviation", {
      gt: 0,
    }),
    tauStart: opt.number(1, "Gumbel-softmax temperature at the first step (annealed geometrically)", {
      gt: 0,
    }),
    tauEnd: opt.number(
      0.1,
      "temperature at the last step; also the temperature of the returned probabilities",
      {
        gt: 0,
      },
    ),
    seed: seedOption(
      "seed of k-means++ and the Gumbel noise (request.seed overrides); recorded in extra.seed",
    ),
  },
  create: (c, _ctx, component): Clusterer =>
    checkedClusterer(component, (x, req) => {
      const k = req.numClusters ?? (c.k || undefined);
      if (k === undefined) {
        throw new ConfigError(component, "needs a cluster count: set 'k' or pass request.numClusters");
      }
      const seed = req.seed ?? c.seed;
      if (x.rows === 0) return { labels: new Int32Array(0), numClusters: 0, extra: { seed } };
      if (k < 1 || k > x.rows) throw new ConfigError(component, `k = ${k} must be in [1, ${x.rows}]`);
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
    }),
});
