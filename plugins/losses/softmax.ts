/**
 * Softmax cross-entropy over a linear classifier: L = mean -log softmax(x Wᵀ + b)_y.
 * Parameters: [weight [C, D], bias [C]] (bias only when `bias`).
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { param } from "../../core/autodiff/tensor.ts";
import { crossEntropy, linear } from "../../core/autodiff/mod.ts";
import { classWeights, embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";

/** Options of the softmax loss. */
export interface SoftmaxConfig {
  dim: number;
  numClasses: number;
  bias: boolean;
  seed: number;
}

/** `softmax` loss plugin. */
export const softmaxLoss: LossPlugin<SoftmaxConfig> = {
  kind: "loss",
  name: "softmax",
  description: "softmax cross-entropy over a linear classifier (weights owned by the loss)",
  defaults: { dim: 192, numClasses: 2, bias: true, seed: 0 },
  options: {
    dim: "embedding dimension D",
    numClasses: "number of classes C",
    bias: "add a per-class bias",
    seed: "seed of the weight initialisation",
  },
  validate(c) {
    const n = "loss 'softmax'";
    check.integer(n, "dim", c.dim, 1);
    check.integer(n, "numClasses", c.numClasses, 2);
    check.oneOf(n, "bias", c.bias, [true, false]);
    check.integer(n, "seed", c.seed, 0);
  },
  create(c) {
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
};
