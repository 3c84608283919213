/**
 * Real AM-Softmax (Li et al., "Real Additive Margin Softmax for Speaker Verification"):
 *
 *   variant "exp" (the paper):  L = mean_i log(1 + Σ_{j≠y} exp(max(0, −s(cos_y − cos_j − m))))
 *   variant "relu" (no exp):    L = mean_i log(1 + Σ_{j≠y} max(0, −s(cos_y − cos_j − m)))
 *
 * The paper's ReLU inside the exponent makes a class j contribute a constant (e^0 = 1) once it is
 * beaten by the margin, so only margin violators get gradient; the "exp" form therefore has a floor
 * of log(C) at zero violations. Some public code drops the exp ("relu" variant), whose floor is 0.
 * Parameters: [weight [C, D]].
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import {
  addScalar,
  exp,
  log1p,
  mean,
  mul,
  pick,
  relu,
  reshape,
  scale,
  sub,
  sum,
  tensor,
} from "../../core/autodiff/mod.ts";
import {
  checkCosineMargin,
  cosineClassifier,
  type CosineMarginConfig,
  oneHot,
} from "../../core/nn/loss_helpers.ts";

/** Options of Real AM-Softmax. */
export interface RealAmSoftmaxConfig extends CosineMarginConfig {
  variant: "exp" | "relu";
}

/** `real-am-softmax` loss plugin. */
export const realAmSoftmaxLoss: LossPlugin<RealAmSoftmaxConfig> = {
  kind: "loss",
  name: "real-am-softmax",
  description:
    "Real AM-Softmax: log(1 + sum_{j!=y} exp(relu(s(cos_j - cos_y + m)))); variant 'relu' drops the exp",
  defaults: { dim: 192, numClasses: 2, scale: 32, margin: 0.2, variant: "exp", seed: 0 },
  options: {
    dim: "embedding dimension D",
    numClasses: "number of classes C",
    scale: "scale s",
    margin: "cosine margin m",
    variant: "'exp' = the paper's formula; 'relu' = the variant without the exp",
    seed: "seed of the weight initialisation",
  },
  validate(c) {
    const n = "loss 'real-am-softmax'";
    checkCosineMargin(n, c, 2);
    check.oneOf(n, "variant", c.variant, ["exp", "relu"] as const);
    check.integer(n, "seed", c.seed, 0);
  },
  create(c) {
    const head = cosineClassifier(c, "real-am-softmax");
    return {
      parameters: () => [head.weight],
      forward(input) {
        const { cos, labels: y } = head.cosines(input);
        const B = y.length, C = c.numClasses;
        const cy = reshape(pick(cos, y), [B, 1]);
        const z = relu(scale(addScalar(sub(cos, cy), c.margin), c.scale)); // max(0, -s(cos_y - cos_j - m))
        const others = tensor(oneHot(y, C).map((v) => 1 - v), [B, C]);
        const terms = mul(c.variant === "exp" ? exp(z) : z, others);
        return mean(log1p(sum(terms, 1)));
      },
    };
  },
};
