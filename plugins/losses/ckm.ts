/**
 * Concrete k-means loss (Gao et al., "Deep clustering with concrete k-means", ICASSP 2020), as used
 * by the deep-clustering domain-adaptation recipe: with squared distances d_ik = ||z_i − μ_k||² to
 * K trainable centroids, the hard k-means assignment is relaxed by a Gumbel-softmax,
 * s_i = softmax((−d_i + g_i) / τ), g ~ Gumbel(0, 1), and L = mean_i Σ_k s_ik d_ik.
 * `gumbel: false` drops the noise (deterministic; used for golden values and evaluation).
 * Parameters: [centroids [K, D]] (ckm-adapt sets them by k-means++).
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { add, mean, mul, param, scale, softmax, sqDistMatrix, sum, tensor } from "../../core/autodiff/mod.ts";
import { StatefulRng } from "../../core/nn/rng.ts";
import { classWeights, embeddings2d } from "../../core/nn/loss_helpers.ts";
import { DIM_OPTION, seedOption } from "./loss_kit.ts";

/** `ckm` loss plugin. */
export const ckmLoss = definePlugin({
  kind: "loss",
  name: "ckm",
  description: "concrete k-means: Gumbel-softmax relaxed k-means distortion to trainable centroids",
  module: import.meta.url,
  options: {
    dim: DIM_OPTION,
    k: opt.integer(8, "number of centroids K", { min: 1 }),
    tau: opt.number(1, "Gumbel-softmax temperature", { gt: 0 }),
    gumbel: opt.boolean(
      true,
      "add Gumbel noise to the assignment logits (training); false = deterministic softmax",
    ),
    seed: seedOption("the centroid initialisation and the Gumbel noise"),
  },
  create(c): Loss {
    const mu = param(classWeights(c.k, c.dim, c.seed), [c.k, c.dim], "centroids");
    const rng = new StatefulRng(c.seed + 1);
    return {
      parameters: () => [mu],
      forward(input) {
        const z = embeddings2d(input.embeddings, c.dim, "ckm");
        const d = sqDistMatrix(z, mu);
        let logits = scale(d, -1);
        if (c.gumbel) {
          const g = new Float32Array(d.size);
          for (let i = 0; i < g.length; i++) g[i] = -Math.log(-Math.log(Math.max(rng.next(), 1e-12)));
          logits = add(logits, tensor(g, d.shape));
        }
        const s = softmax(scale(logits, 1 / c.tau));
        return mean(sum(mul(s, d), 1));
      },
    };
  },
});
