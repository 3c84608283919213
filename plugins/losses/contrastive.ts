/**
 * Contrastive loss (Hadsell, Chopra & LeCun 2006) on pairs (embeddings[i], positives[i]):
 * L = mean_i (1 − y_i)·d_i² + y_i·max(0, m − d_i)², d = Euclidean distance, y = 0 for a similar
 * pair and 1 for a dissimilar one (Hadsell's convention; the paper's ½ factors are dropped).
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
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
import { embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";

/** Options of the contrastive loss. */
export interface ContrastiveConfig {
  margin: number;
}

/** `contrastive` loss plugin. */
export const contrastiveLoss: LossPlugin<ContrastiveConfig> = {
  kind: "loss",
  name: "contrastive",
  description: "Hadsell contrastive loss on pairs: (1-y) d^2 + y max(0, m-d)^2 (y=1: dissimilar pair)",
  defaults: { margin: 1 },
  options: { margin: "margin m dissimilar pairs are pushed beyond" },
  validate(c) {
    check.positive("loss 'contrastive'", "margin", c.margin);
  },
  create(c) {
    return {
      parameters: () => [],
      forward(input) {
        const a = embeddings2d(input.embeddings, undefined, "contrastive");
        if (!input.positives) {
          throw new RangeError("contrastive: needs 'positives' (the second embedding of each pair)");
        }
        const b = embeddings2d(input.positives, a.shape[1], "contrastive", "positives");
        if (b.shape[0] !== a.shape[0]) {
          throw new RangeError(`contrastive: ${a.shape[0]} embeddings but ${b.shape[0]} positives`);
        }
        const y = labelsFor(input.labels, a.shape[0], "contrastive", 2);
        const d2 = sum(square(sub(a, b)), 1);
        const d = sqrt(addScalar(d2, 1e-12));
        const yt = tensor(Float32Array.from(y), [y.length]);
        const similar = mul(addScalar(scale(yt, -1), 1), d2);
        const dissimilar = mul(yt, square(relu(addScalar(scale(d, -1), c.margin))));
        return mean(add(similar, dissimilar));
      },
    };
  },
};
