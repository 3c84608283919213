/**
 * AM-Softmax / CosFace (Wang et al. 2018): logits s·(cos θ_j − m·[j = y]) with cos θ_j between the
 * L2-normalised embedding and class weight j; L = cross-entropy. Parameters: [weight [C, D]].
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { crossEntropy, scale, sub, tensor } from "../../core/autodiff/mod.ts";
import { oneHot } from "../../core/nn/loss_helpers.ts";
import { cosineHeadLoss, cosineMarginOptions } from "./loss_kit.ts";

/** `am-softmax` loss plugin. */
export const amSoftmaxLoss = definePlugin({
  kind: "loss",
  name: "am-softmax",
  description: "additive margin softmax (CosFace): s*(cos - m) for the target class",
  module: import.meta.url,
  options: cosineMarginOptions(1, "additive cosine margin m"),
  create: (c): Loss =>
    cosineHeadLoss(c, "am-softmax", (cos, y) => {
      const margin = tensor(oneHot(y, c.numClasses).map((v) => v * c.margin), [y.length, c.numClasses]);
      return crossEntropy(scale(sub(cos, margin), c.scale), y);
    }),
});
