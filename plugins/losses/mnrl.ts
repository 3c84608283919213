/**
 * MultipleNegativesRankingLoss (sentence-transformers): for anchors a [B, D] and positives p [B, D]
 * (optionally hard negatives n [N, D] in `extra.hardNegatives`), scores = scale · cos(a_i, [p; n]_j)
 * and L = CE(scores, i) — every other positive in the batch is a negative. `symmetric` adds the
 * positive→anchor direction and averages the two (MultipleNegativesSymmetricRankingLoss).
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { add, concat, cosineMatrix, crossEntropy, scale, type Tensor } from "../../core/autodiff/mod.ts";
import { embeddings2d } from "../../core/nn/loss_helpers.ts";
import { pairedEmbeddings, statelessLoss } from "./loss_kit.ts";

/** `mnrl` loss plugin. */
export const mnrlLoss = definePlugin({
  kind: "loss",
  name: "mnrl",
  description:
    "multiple negatives ranking loss: in-batch negatives (+ optional hard negatives, symmetric variant)",
  module: import.meta.url,
  options: {
    scale: opt.number(20, "multiplier of the cosine similarities", { gt: 0 }),
    symmetric: opt.boolean(false, "also rank anchors for each positive and average both directions"),
  },
  create: (c): Loss =>
    statelessLoss((input) => {
      const [a, p] = pairedEmbeddings(input, "mnrl", "one per anchor", ["anchors", "positives"]);
      const B = a.shape[0];
      const hard = input.extra?.hardNegatives as Tensor | undefined;
      const cands = hard ? concat([p, embeddings2d(hard, a.shape[1], "mnrl", "extra.hardNegatives")], 0) : p;
      const target = Int32Array.from({ length: B }, (_, i) => i);
      const fwd = crossEntropy(scale(cosineMatrix(a, cands), c.scale), target);
      if (!c.symmetric) return fwd;
      const bwd = crossEntropy(scale(cosineMatrix(p, a), c.scale), target);
      return scale(add(fwd, bwd), 0.5);
    }),
});
