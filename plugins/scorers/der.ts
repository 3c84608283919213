/**
 * `der` metric: diarization error rate (missed / false alarm / confusion) with the optimal speaker mapping.
 * Input: `{ reference: Turn[], hypothesis: Turn[], uem?: Uem }` (see core/diarization/rttm.ts).
 * @module
 */
import type { Metric } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { diarizationErrorRate } from "../../core/diarization/der.ts";
import type { Turn, Uem } from "../../core/diarization/rttm.ts";

/** Reads and checks the turn lists a diarization metric needs. */
export function diarizationInput(
  input: Record<string, unknown>,
  metric: string,
): { ref: Turn[]; sys: Turn[]; uem?: Uem } {
  const ref = input.reference, sys = input.hypothesis, uem = input.uem;
  if (!Array.isArray(ref) || !Array.isArray(sys)) {
    throw new TypeError(
      `${metric} needs { reference: Turn[], hypothesis: Turn[] } (read them with readRttm)`,
    );
  }
  if (uem !== undefined && !(uem instanceof Map)) {
    throw new TypeError(`${metric}: 'uem' must be a Map from readUem/parseUem`);
  }
  return { ref: ref as Turn[], sys: sys as Turn[], uem: uem as Uem | undefined };
}

/** `der` scorer plugin. */
export const derMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "der",
  description: "diarization error rate (missed, false alarm, confusion; Hungarian speaker mapping)",
  module: import.meta.url,
  options: {
    collar: opt.number(
      0,
      "no-score collar in seconds (md-eval: +-collar around reference boundaries; pyannote: total width)",
      { min: 0 },
    ),
    collarConvention: opt.oneOf(
      ["md-eval", "pyannote"] as const,
      "md-eval",
      "md-eval (dscore, VBx, SpeechBrain) or pyannote (pyannote.metrics)",
    ),
    skipOverlap: opt.boolean(false, "do not score regions where reference speakers overlap (md-eval -1)"),
    uemFrom: opt.oneOf(
      ["ref+sys", "ref"] as const,
      "ref+sys",
      "without a UEM, score [min onset, max offset] of ref+sys turns (dscore) or of ref only (md-eval)",
    ),
  },
  create: (c): Metric => ({
    role: "metric",
    compute(input) {
      const { ref, sys, uem } = diarizationInput(input, "der");
      return { ...diarizationErrorRate(ref, sys, { ...c, uem }).overall };
    },
  }),
});
