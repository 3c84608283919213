/**
 * MultipleNegativesRankingLoss (sentence-transformers): for anchors a [B, D] and positives p [B, D]
 * (optionally hard negatives n [N, D] in `extra.hardNegatives`), scores = scale · cos(a_i, [p; n]_j)
 * and L = CE(scores, i) — every other positive in the batch is a negative. `symmetric` adds the
 * positive→anchor direction and averages the two (MultipleNegativesSymmetricRankingLoss).
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { add, concat, cosineMatrix, crossEntropy, scale, type Tensor } from "../../core/autodiff/mod.ts";
import { embeddings2d } from "../../core/nn/loss_helpers.ts";

/** Options of MNRL. */
export interface MnrlConfig {
  scale: number;
  symmetric: boolean;
}

/** `mnrl` loss plugin. */
export const mnrlLoss: LossPlugin<MnrlConfig> = {
  kind: "loss",
  name: "mnrl",
  description:
    "multiple negatives ranking loss: in-batch negatives (+ optional hard negatives, symmetric variant)",
  defaults: { scale: 20, symmetric: false },
  options: {
    scale: "multiplier of the cosine similarities",
    symmetric: "also rank anchors for each positive and average both directions",
  },
  validate(c) {
    check.positive("loss 'mnrl'", "scale", c.scale);
    check.oneOf("loss 'mnrl'", "symmetric", c.symmetric, [true, false]);
  },
  create(c) {
    return {
      parameters: () => [],
      forward(input) {
        const a = embeddings2d(input.embeddings, undefined, "mnrl");
        if (!input.positives) throw new RangeError("mnrl: needs 'positives' (one per anchor)");
        const p = embeddings2d(input.positives, a.shape[1], "mnrl", "positives");
        const B = a.shape[0];
        if (p.shape[0] !== B) throw new RangeError(`mnrl: ${B} anchors but ${p.shape[0]} positives`);
        const hard = input.extra?.hardNegatives as Tensor | undefined;
        const cands = hard
          ? concat([p, embeddings2d(hard, a.shape[1], "mnrl", "extra.hardNegatives")], 0)
          : p;
        const target = Int32Array.from({ length: B }, (_, i) => i);
        const fwd = crossEntropy(scale(cosineMatrix(a, cands), c.scale), target);
        if (!c.symmetric) return fwd;
        const bwd = crossEntropy(scale(cosineMatrix(p, a), c.scale), target);
        return scale(add(fwd, bwd), 0.5);
      },
    };
  },
};
