/**
 * AM-Softmax / CosFace (Wang et al. 2018): logits s·(cos θ_j − m·[j = y]) with cos θ_j between the
 * L2-normalised embedding and class weight j; L = cross-entropy. Parameters: [weight [C, D]].
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { crossEntropy, scale, sub, tensor } from "../../core/autodiff/mod.ts";
import {
  checkCosineMargin,
  cosineClassifier,
  type CosineMarginConfig,
  oneHot,
} from "../../core/nn/loss_helpers.ts";

/** Options of AM-Softmax. */
export type AmSoftmaxConfig = CosineMarginConfig;

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
    checkCosineMargin(n, c, 1);
    check.integer(n, "seed", c.seed, 0);
  },
  create(c) {
    const head = cosineClassifier(c, "am-softmax");
    return {
      parameters: () => [head.weight],
      forward(input) {
        const { cos, labels: y } = head.cosines(input);
        const margin = tensor(oneHot(y, c.numClasses).map((v) => v * c.margin), [y.length, c.numClasses]);
        return crossEntropy(scale(sub(cos, margin), c.scale), y);
      },
    };
  },
};
