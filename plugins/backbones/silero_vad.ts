/**
 * `silero` speech detector (backbone role `vad`): Silero VAD v5 from the npm package
 * @ricky0123/vad-web (no download), with silero-vad's get_speech_timestamps() rules.
 * @module
 */
import { definePlugin } from "../../core/plugin.ts";
import { SILERO_OPTIONS, SileroVad } from "../../core/vad/silero.ts";

/** `silero` VAD plugin. */
export const sileroVad = definePlugin({
  kind: "backbone",
  role: "vad",
  name: "silero",
  description: "Silero VAD v5 (npm @ricky0123/vad-web): 32 ms speech probabilities -> speech regions",
  module: import.meta.url,
  options: SILERO_OPTIONS,
  async create(c) {
    const v = await SileroVad.create(c);
    return {
      role: "vad" as const,
      info: () => ({ method: "Silero VAD v5 (npm @ricky0123/vad-web)", ...v.info() }),
      detect: (samples: Float32Array, sampleRate: number, id?: string) => v.segments(samples, sampleRate, id),
      dispose: () => v.dispose(),
    };
  },
});
