/**
 * `reverb` augmenter: convolution with a simulated room impulse response (image-source method,
 * core/augment/rir.ts) from a seeded bank of random rooms (sizes, RT60, source and mic positions),
 * scaled to unit energy and cut to the crop's length as WeSpeaker does.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import type { Augmenter } from "../../core/contracts/augment.ts";
import { reverberate, RirBank } from "../../core/augment/reverb.ts";
import { DEFAULT_ROOMS } from "../../core/augment/rir.ts";
import { probOption, rangeOption, waveformAugmenter } from "../../core/augment/plugin_kit.ts";

/** `reverb` augmenter plugin. */
export const reverbAugmenter = definePlugin({
  kind: "adapter",
  role: "augment",
  name: "reverb",
  description: "convolves with a simulated room impulse response (image-source method, seeded bank of rooms)",
  module: import.meta.url,
  options: {
    rooms: opt.integer(200, "rooms in the bank (each simulated on first use)", { min: 1 }),
    seed: opt.integer(20240601, "seed of the room bank (room i depends only on seed and i)", { min: 0 }),
    rt60: rangeOption(DEFAULT_ROOMS.rt60, "RT60 range (s)", { min: 0.05, max: 3 }),
    size: rangeOption(DEFAULT_ROOMS.size, "room length and width range (m)", { min: 1.5 }),
    height: rangeOption(DEFAULT_ROOMS.height, "room height range (m)", { min: 1.5 }),
    maxSeconds: opt.number(1, "cut responses at this length (s)", { gt: 0 }),
    sampleRate: opt.integer(16000, "rate of the responses (Hz); inputs must have it", { min: 1 }),
    prob: probOption,
  },
  create(c): Augmenter {
    const bank = new RirBank({
      size: c.rooms,
      seed: c.seed,
      sampleRate: c.sampleRate,
      maxSeconds: c.maxSeconds,
      rooms: {
        rt60: [c.rt60[0], c.rt60[1]],
        size: [c.size[0], c.size[1]],
        height: [c.height[0], c.height[1]],
      },
    });
    return waveformAugmenter({
      name: "reverb",
      prob: c.prob,
      sampleRate: { hz: c.sampleRate, source: "the responses are" },
      draw: (x, ctx) => {
        const r = bank.draw(ctx.rng);
        return {
          out: reverberate(x, r.rir),
          applied: { room: r.index, rt60: r.room.rt60, dims: r.room.dims },
        };
      },
      info: () => ({ source: "image-source RIRs", rooms: c.rooms, seed: c.seed, rt60: c.rt60, prob: c.prob }),
    });
  },
});
