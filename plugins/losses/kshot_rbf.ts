/**
 * k-shot RBF classifier loss of the deep-clustering domain-adaptation recipe: the few labelled
 * target samples are classified by an RBF layer on trainable class centres,
 * p(k | z) = softmax_k(−γ ||z − c_k||²), L = cross-entropy. γ = 1/(2σ²).
 * Parameters: [centres [C, D]].
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { crossEntropy, param, scale, sqDistMatrix } from "../../core/autodiff/mod.ts";
import { classWeights, embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";

/** Options of the k-shot RBF loss. */
export interface KshotRbfConfig {
  dim: number;
  numClasses: number;
  gamma: number;
  seed: number;
}

/** `kshot-rbf` loss plugin. */
export const kshotRbfLoss: LossPlugin<KshotRbfConfig> = {
  kind: "loss",
  name: "kshot-rbf",
  description: "k-shot RBF classifier: cross-entropy of -gamma*||z - c_k||^2 over trainable class centres",
  defaults: { dim: 192, numClasses: 2, gamma: 1, seed: 0 },
  options: {
    dim: "embedding dimension D",
    numClasses: "number of labelled classes C",
    gamma: "RBF sharpness 1/(2 sigma^2)",
    seed: "seed of the centre initialisation",
  },
  validate(c) {
    const n = "loss 'kshot-rbf'";
    check.integer(n, "dim", c.dim, 1);
    check.integer(n, "numClasses", c.numClasses, 2);
    check.positive(n, "gamma", c.gamma);
    check.integer(n, "seed", c.seed, 0);
  },
  create(c) {
    const centres = param(classWeights(c.numClasses, c.dim, c.seed), [c.numClasses, c.dim], "centres");
    return {
      parameters: () => [centres],
      forward(input) {
        const z = embeddings2d(input.embeddings, c.dim, "kshot-rbf");
        const y = labelsFor(input.labels, z.shape[0], "kshot-rbf", c.numClasses);
        return crossEntropy(scale(sqDistMatrix(z, centres), -c.gamma), y);
      },
    };
  },
};
