/**
 * Autoencoder reconstruction loss: L = mean over all values of (x̂ − x)², with the reconstruction
 * x̂ in `embeddings` and the target x in `positives` (pass the input detached).
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { mean, scale, square, sub } from "../../core/autodiff/mod.ts";
import { embeddings2d } from "../../core/nn/loss_helpers.ts";

/** Options of the reconstruction loss. */
export interface ReconstructionConfig {
  weight: number;
}

/** `reconstruction-mse` loss plugin. */
export const reconstructionMseLoss: LossPlugin<ReconstructionConfig> = {
  kind: "loss",
  name: "reconstruction-mse",
  description:
    "autoencoder reconstruction MSE between `embeddings` (reconstruction) and `positives` (target)",
  defaults: { weight: 1 },
  options: { weight: "multiplier of the loss" },
  validate(c) {
    check.nonNegative("loss 'reconstruction-mse'", "weight", c.weight);
  },
  create(c) {
    return {
      parameters: () => [],
      forward(input) {
        const r = embeddings2d(input.embeddings, undefined, "reconstruction-mse");
        if (!input.positives) {
          throw new RangeError("reconstruction-mse: needs 'positives' (the reconstruction target)");
        }
        const x = embeddings2d(input.positives, r.shape[1], "reconstruction-mse", "positives");
        if (x.shape[0] !== r.shape[0]) {
          throw new RangeError(`reconstruction-mse: ${r.shape[0]} reconstructions for ${x.shape[0]} targets`);
        }
        return scale(mean(square(sub(r, x))), c.weight);
      },
    };
  },
};
