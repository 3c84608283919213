/**
 * Domain-adversarial loss (Ganin & Lempitsky 2015): embeddings pass a gradient reversal layer
 * (core/nn gradReverse) into a small domain classifier (Linear–ReLU–Linear) trained with
 * cross-entropy on domain ids (`extra.domains`, else `labels`). The classifier learns to tell the
 * domains apart while the reversed gradient pushes the encoder to make them indistinguishable.
 * Parameters: the classifier's [0.weight, 0.bias, 2.weight, 2.bias].
 * @module
 */
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { crossEntropy, gradReverse } from "../../core/autodiff/mod.ts";
import { Linear, ReLU, Sequential } from "../../core/nn/layers.ts";
import { StatefulRng } from "../../core/nn/rng.ts";
import { embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";

/** Options of the domain-adversarial loss. */
export interface DomainAdversarialConfig {
  dim: number;
  numDomains: number;
  hidden: number;
  lambda: number;
  seed: number;
}

/** `domain-adversarial` loss plugin. */
export const domainAdversarialLoss: LossPlugin<DomainAdversarialConfig> = {
  kind: "loss",
  name: "domain-adversarial",
  description: "gradient reversal + domain classifier cross-entropy (DANN)",
  defaults: { dim: 192, numDomains: 2, hidden: 128, lambda: 1, seed: 0 },
  options: {
    dim: "embedding dimension D",
    numDomains: "number of domains",
    hidden: "hidden width of the domain classifier",
    lambda: "gradient reversal strength",
    seed: "seed of the classifier initialisation",
  },
  validate(c) {
    const n = "loss 'domain-adversarial'";
    check.integer(n, "dim", c.dim, 1);
    check.integer(n, "numDomains", c.numDomains, 2);
    check.integer(n, "hidden", c.hidden, 1);
    check.nonNegative(n, "lambda", c.lambda);
    check.integer(n, "seed", c.seed, 0);
  },
  create(c) {
    const rng = new StatefulRng(c.seed);
    const clf = new Sequential(
      new Linear(c.dim, c.hidden, { rng }),
      new ReLU(),
      new Linear(c.hidden, c.numDomains, { rng }),
    );
    return {
      parameters: () => clf.parameters(),
      forward(input) {
        const x = embeddings2d(input.embeddings, c.dim, "domain-adversarial");
        const d = labelsFor(
          (input.extra?.domains as Int32Array | undefined) ?? input.labels,
          x.shape[0],
          "domain-adversarial",
          c.numDomains,
        );
        return crossEntropy(clf.forward(gradReverse(x, c.lambda)), d);
      },
    };
  },
};
