/**
 * `specaugment` augmenter: SpecAugment time and frequency masks on a feature matrix (frames x bins),
 * WeSpeaker's defaults (1 time mask up to 10 frames, 1 frequency mask up to 8 bins, probability 0.6),
 * core/augment/specaugment.ts.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import type { Augmenter } from "../../core/contracts/augment.ts";
import { specAugment } from "../../core/augment/specaugment.ts";
import { featureAugmenter } from "../../core/augment/plugin_kit.ts";

/** `specaugment` augmenter plugin. */
export const specAugmentAugmenter = definePlugin({
  kind: "adapter",
  role: "augment",
  name: "specaugment",
  description:
    "SpecAugment time and frequency masks on features (WeSpeaker defaults: 1+1 masks, 10 frames, 8 bins)",
  module: import.meta.url,
  options: {
    numTimeMasks: opt.integer(1, "time masks per input", { min: 0 }),
    maxTimeWidth: opt.integer(10, "widest time mask (frames); widths are drawn from 1..max", { min: 1 }),
    numFreqMasks: opt.integer(1, "frequency masks per input", { min: 0 }),
    maxFreqWidth: opt.integer(8, "widest frequency mask (bins); widths are drawn from 1..max", { min: 1 }),
    value: opt.number(0, "value of masked cells (0 = the mean after CMN)"),
    prob: opt.number(0.6, "probability of masking an input (WeSpeaker 0.6)", { min: 0, max: 1 }),
  },
  create(c): Augmenter {
    return featureAugmenter({
      name: "specaugment",
      prob: c.prob,
      draw: (x, ctx) => {
        const r = specAugment(x, c, ctx.rng);
        return { out: r.features, applied: { masks: r.masks } };
      },
      info: () => ({ ...c }),
    });
  },
});
