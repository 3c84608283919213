/**
 * `noise` augmenter: seeded coloured noise (white/pink/brown, PSD ∝ 1/f^β) added at an SNR drawn
 * from MUSAN's "noise" range in Kaldi/WeSpeaker recipes, 0-15 dB (core/augment/noise.ts, mix.ts).
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import type { Augmenter } from "../../core/contracts/augment.ts";
import { addAtSnr, uniform } from "../../core/augment/mix.ts";
import { namedNoise, NOISE_COLOURS, type NoiseColour } from "../../core/augment/noise.ts";
import { probOption, rangeOption, waveformAugmenter } from "../../core/augment/plugin_kit.ts";

const COLOURS = Object.keys(NOISE_COLOURS) as NoiseColour[];

/** `noise` augmenter plugin. */
export const noiseAugmenter = definePlugin({
  kind: "adapter",
  role: "augment",
  name: "noise",
  description:
    "adds seeded coloured noise (white/pink/brown) at an SNR drawn from 0-15 dB (MUSAN noise role)",
  module: import.meta.url,
  options: {
    snrDb: rangeOption([0, 15], "SNR range (dB)"),
    colours: {
      ...opt.strings(COLOURS, `noise colours drawn from (${COLOURS.join(", ")})`, { minItems: 1 }),
      check: (v: string[]) =>
        v.find((c) => !(c in NOISE_COLOURS))
          ? `colours must be among ${COLOURS.join(", ")}, got [${v}]`
          : undefined,
    },
    prob: probOption,
  },
  create(c): Augmenter {
    return waveformAugmenter({
      name: "noise",
      prob: c.prob,
      draw: (x, ctx) => {
        const colour = c.colours[ctx.rng.int(c.colours.length)] as NoiseColour;
        const snr = uniform(ctx.rng, c.snrDb[0], c.snrDb[1]);
        return {
          out: addAtSnr(x, namedNoise(x.length, colour, ctx.rng), snr).samples,
          applied: { colour, snrDb: snr },
        };
      },
      info: () => ({ source: "synthetic coloured noise", colours: c.colours, snrDb: c.snrDb, prob: c.prob }),
    });
  },
});
