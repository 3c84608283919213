/**
 * AM-Softmax / CosFace (Wang et al. 2018): logits s·(cos θ_j − m·[j = y]) with cos θ_j between the
 * L2-normalised embedding and class weight j; L = cross-entropy. Parameters: [weight [C, D]].
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { param } from "../../core/autodiff/tensor.ts";
import { cosineMatrix, crossEntropy, scale, sub, tensor } from "../../core/autodiff/mod.ts";
import { classWeights, embeddings2d, labelsFor, oneHot } from "../../core/nn/loss_helpers.ts";

/** Options of AM-Softmax. */
export interface AmSoftmaxConfig {
  dim: number;
  numClasses: number;
  scale: number;
  margin: number;
  seed: number;
}

/** `am-softmax` loss plugin. */
export const amSoftmaxLoss: LossPlugin<AmSoftmaxConfig> = {
  kind: "loss",
  name: "am-softmax",
  description: "additive margin softmax (CosFace): s*(cos - m) for the target class",
  defaults: { dim: 192, numClasses: 2, scale: 32, margin: 0.2, seed: 0 },
  options: {
    dim: "embedding dimension D",
    numClasses: "number of classes C",
    scale: "scale s of the cosine logits",
    margin: "additive cosine margin m",
    seed: "seed of the weight initialisation",
  },
  validate(c) {
    const n = "loss 'am-softmax'";
    check.integer(n, "dim", c.dim, 1);
    check.integer(n, "numClasses", c.numClasses, 2);
    check.positive(n, "scale", c.scale);
    check.range(n, "margin", c.margin, 0, 1);
    check.integer(n, "seed", c.seed, 0);
  },
  create(c) {
    const w = param(classWeights(c.numClasses, c.dim, c.seed), [c.numClasses, c.dim], "weight");
    return {
      parameters: () => [w],
      forward(input) {
        const x = embeddings2d(input.embeddings, c.dim, "am-softmax");
        const y = labelsFor(input.labels, x.shape[0], "am-softmax", c.numClasses);
        const margin = tensor(oneHot(y, c.numClasses).map((v) => v * c.margin), [x.shape[0], c.numClasses]);
        return crossEntropy(scale(sub(cosineMatrix(x, w), margin), c.scale), y);
      },
    };
  },
};
