/**
 * `energy` speech detector (backbone role `vad`): log frame energy thresholded between the noise
 * floor and the peak (core/vad/energy.ts). No model: the fallback where no neural VAD is wanted.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import { energyVad } from "../../core/vad/energy.ts";

/** `energy` VAD plugin. */
export const energyVadPlugin = definePlugin({
  kind: "backbone",
  role: "vad",
  name: "energy",
  description: "energy VAD (built-in, no model): log energy between noise floor and peak",
  module: import.meta.url,
  options: {
    hop: opt.number(0.01, "frame hop (s)", { gt: 0, max: 0.1 }),
    relThreshold: opt.number(0.35, "threshold between the noise floor (10th pct) and peak (95th pct)", {
      min: 0,
      max: 1,
    }),
    minSpeech: opt.number(0.25, "speech regions shorter than this are dropped (s)", { min: 0 }),
    minSilence: opt.number(0.3, "pauses shorter than this are bridged (s)", { min: 0 }),
  },
  create(c) {
    return {
      role: "vad" as const,
      info: () => ({ method: "energy VAD (built-in)", ...c }),
      detect: (samples: Float32Array, sampleRate: number) =>
        Promise.resolve(energyVad(samples, sampleRate, c)),
    };
  },
});
