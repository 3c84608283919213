/**
 * k-shot RBF classifier loss of the deep-clustering domain-adaptation recipe: the few labelled
 * target samples are classified by an RBF layer on trainable class centres,
 * p(k | z) = softmax_k(−γ ||z − c_k||²), L = cross-entropy. γ = 1/(2σ²).
 * Parameters: [centres [C, D]].
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { crossEntropy, param, scale, sqDistMatrix } from "../../core/autodiff/mod.ts";
import { classWeights, embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";
import { DIM_OPTION, NUM_CLASSES_OPTION, seedOption } from "./loss_kit.ts";

/** `kshot-rbf` loss plugin. */
export const kshotRbfLoss = definePlugin({
  kind: "loss",
  name: "kshot-rbf",
  description: "k-shot RBF classifier: cross-entropy of -gamma*||z - c_k||^2 over trainable class centres",
  module: import.meta.url,
  options: {
    dim: DIM_OPTION,
    numClasses: NUM_CLASSES_OPTION,
    gamma: opt.number(1, "RBF sharpness 1/(2 sigma^2)", { gt: 0 }),
    seed: seedOption("the centre initialisation"),
  },
  create(c): Loss {
    const centres = param(classWeights(c.numClasses, c.dim, c.seed), [c.numClasses, c.dim], "centres");
    return {
      parameters: () => [centres],
      forward(input) {
        const z = embeddings2d(input.embeddings, c.dim, "kshot-rbf");
        const y = labelsFor(input.labels, z.shape[0], "kshot-rbf", c.numClasses);
        return crossEntropy(scale(sqDistMatrix(z, centres), -c.gamma), y);
      },
    };
  },
});
