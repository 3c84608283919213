/**
 * Domain-adversarial loss (Ganin & Lempitsky 2015): embeddings pass a gradient reversal layer
 * (core/nn gradReverse) into a small domain classifier (Linear–ReLU–Linear) trained with
 * cross-entropy on domain ids (`extra.domains`, else `labels`). The classifier learns to tell the
 * domains apart while the reversed gradient pushes the encoder to make them indistinguishable.
 * Parameters: the classifier's [0.weight, 0.bias, 2.weight, 2.bias].
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { crossEntropy, gradReverse } from "../../core/autodiff/mod.ts";
import { Linear, ReLU, Sequential } from "../../core/nn/layers.ts";
import { StatefulRng } from "../../core/nn/rng.ts";
import { embeddings2d, labelsFor } from "../../core/nn/loss_helpers.ts";
import { DIM_OPTION, seedOption } from "./loss_kit.ts";

/** `domain-adversarial` loss plugin. */
export const domainAdversarialLoss = definePlugin({
  kind: "loss",
  name: "domain-adversarial",
  description: "gradient reversal + domain classifier cross-entropy (DANN)",
  module: import.meta.url,
  options: {
    dim: DIM_OPTION,
    numDomains: opt.integer(2, "number of domains", { min: 2 }),
    hidden: opt.integer(128, "hidden width of the domain classifier", { min: 1 }),
    lambda: opt.number(1, "gradient reversal strength", { min: 0 }),
    seed: seedOption("the classifier initialisation"),
  },
  create(c): Loss {
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
});
