/**
 * Contrastive loss (Hadsell, Chopra & LeCun 2006) on pairs (embeddings[i], positives[i]):
 * L = mean_i (1 − y_i)·d_i² + y_i·max(0, m − d_i)², d = Euclidean distance, y = 0 for a similar
 * pair and 1 for a dissimilar one (Hadsell's convention; the paper's ½ factors are dropped).
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import {
  add,
  addScalar,
  mean,
  mul,
  relu,
  scale,
  sqrt,
  square,
  sub,
  sum,
  tensor,
} from "../../core/autodiff/mod.ts";
import { labelsFor } from "../../core/nn/loss_helpers.ts";
import { pairedEmbeddings, statelessLoss } from "./loss_kit.ts";

/** `contrastive` loss plugin. */
export const contrastiveLoss = definePlugin({
  kind: "loss",
  name: "contrastive",
  description: "Hadsell contrastive loss on pairs: (1-y) d^2 + y max(0, m-d)^2 (y=1: dissimilar pair)",
  module: import.meta.url,
  options: { margin: opt.number(1, "margin m dissimilar pairs are pushed beyond", { gt: 0 }) },
  create: (c): Loss =>
    statelessLoss((input) => {
      const [a, b] = pairedEmbeddings(input, "contrastive", "the second embedding of each pair");
      const y = labelsFor(input.labels, a.shape[0], "contrastive", 2);
      const d2 = sum(square(sub(a, b)), 1);
      const d = sqrt(addScalar(d2, 1e-12));
      const yt = tensor(Float32Array.from(y), [y.length]);
      const similar = mul(addScalar(scale(yt, -1), 1), d2);
      const dissimilar = mul(yt, square(relu(addScalar(scale(d, -1), c.margin))));
      return mean(add(similar, dissimilar));
    }),
});
