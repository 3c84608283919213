/**
 * Autoencoder reconstruction loss: L = mean over all values of (x̂ − x)², with the reconstruction
 * x̂ in `embeddings` and the target x in `positives` (pass the input detached).
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { mean, scale, square, sub } from "../../core/autodiff/mod.ts";
import { pairedEmbeddings, statelessLoss, WEIGHT_OPTION } from "./loss_kit.ts";

/** `reconstruction-mse` loss plugin. */
export const reconstructionMseLoss = definePlugin({
  kind: "loss",
  name: "reconstruction-mse",
  description:
    "autoencoder reconstruction MSE between `embeddings` (reconstruction) and `positives` (target)",
  module: import.meta.url,
  options: { weight: WEIGHT_OPTION },
  create: (c): Loss =>
    statelessLoss((input) => {
      const [r, x] = pairedEmbeddings(input, "reconstruction-mse", "the reconstruction target", [
        "reconstructions",
        "targets",
      ]);
      return scale(mean(square(sub(r, x))), c.weight);
    }),
});
