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
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
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
import { oneHot } from "../../core/nn/loss_helpers.ts";
import { cosineHeadLoss, cosineMarginOptions } from "./loss_kit.ts";

/** `real-am-softmax` loss plugin. */
export const realAmSoftmaxLoss = definePlugin({
  kind: "loss",
  name: "real-am-softmax",
  description:
    "Real AM-Softmax: log(1 + sum_{j!=y} exp(relu(s(cos_j - cos_y + m)))); variant 'relu' drops the exp",
  module: import.meta.url,
  options: {
    ...cosineMarginOptions(2, "cosine margin m"),
    variant: opt.oneOf(
      ["exp", "relu"] as const,
      "exp",
      "'exp' = the paper's formula; 'relu' = the variant without the exp",
    ),
  },
  create: (c): Loss =>
    cosineHeadLoss(c, "real-am-softmax", (cos, y) => {
      const B = y.length, C = c.numClasses;
      const cy = reshape(pick(cos, y), [B, 1]);
      const z = relu(scale(addScalar(sub(cos, cy), c.margin), c.scale)); // max(0, -s(cos_y - cos_j - m))
      const others = tensor(oneHot(y, C).map((v) => 1 - v), [B, C]);
      const terms = mul(c.variant === "exp" ? exp(z) : z, others);
      return mean(log1p(sum(terms, 1)));
    }),
});
