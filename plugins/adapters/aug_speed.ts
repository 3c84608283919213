/**
 * `speed` augmenter: speed perturbation by a factor drawn from `factors` (Kaldi/WeSpeaker: 0.9, 1.0,
 * 1.1), core/augment/speed.ts. The output length changes (length / factor); the factor is logged so a
 * pipeline can treat perturbed copies as new speakers, as the recipes do.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import type { Augmenter } from "../../core/contracts/augment.ts";
import { speedPerturb } from "../../core/augment/speed.ts";
import { probOption, waveformAugmenter } from "../../core/augment/plugin_kit.ts";

/** `speed` augmenter plugin. */
export const speedAugmenter = definePlugin({
  kind: "adapter",
  role: "augment",
  name: "speed",
  description: "speed perturbation by a factor drawn from 0.9/1.0/1.1 (length changes; factor logged)",
  module: import.meta.url,
  options: {
    factors: opt.numbers([0.9, 1, 1.1], "speed factors drawn uniformly", { gt: 0, minItems: 1 }),
    prob: probOption,
  },
  create(c): Augmenter {
    return waveformAugmenter({
      name: "speed",
      prob: c.prob,
      draw: (x, ctx) => {
        const factor = c.factors[ctx.rng.int(c.factors.length)];
        return { out: factor === 1 ? x : speedPerturb(x, factor), applied: { factor } };
      },
      info: () => ({ factors: c.factors, prob: c.prob }),
    });
  },
});
