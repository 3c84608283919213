/**
 * Softmax cross-entropy over a linear classifier: L = mean -log softmax(x Wᵀ + b)_y.
 * Parameters: [weight [C, D], bias [C]] (bias only when `bias`).
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { param } from "../../core/autodiff/tensor.ts";
import { crossEntropy, linear } from "../../core/autodiff/mod.ts";
import { classWeights, embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";
import { DIM_OPTION, NUM_CLASSES_OPTION, seedOption } from "./loss_kit.ts";

/** `softmax` loss plugin. */
export const softmaxLoss = definePlugin({
  kind: "loss",
  name: "softmax",
  description: "softmax cross-entropy over a linear classifier (weights owned by the loss)",
  module: import.meta.url,
  options: {
    dim: DIM_OPTION,
    numClasses: NUM_CLASSES_OPTION,
    bias: opt.boolean(true, "add a per-class bias"),
    seed: seedOption("the weight initialisation"),
  },
  create(c): Loss {
    const w = param(classWeights(c.numClasses, c.dim, c.seed), [c.numClasses, c.dim], "weight");
    const b = c.bias ? param(new Float32Array(c.numClasses), [c.numClasses], "bias") : undefined;
    return {
      parameters: () => (b ? [w, b] : [w]),
      forward(input) {
        const x = embeddings2d(input.embeddings, c.dim, "softmax");
        const y = labelsFor(input.labels, x.shape[0], "softmax", c.numClasses);
        return crossEntropy(linear(x, w, b), y);
      },
    };
  },
});
