/**
 * `der` metric: diarization error rate (missed / false alarm / confusion) with the optimal speaker mapping.
 * Input: `{ reference: Turn[], hypothesis: Turn[], uem?: Uem }` (see core/diarization/rttm.ts).
 * @module
 */
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { type CollarConvention, diarizationErrorRate } from "../../core/diarization/der.ts";
import type { Turn, Uem } from "../../core/diarization/rttm.ts";

/** Options of the `der` metric. */
export interface DerConfig {
  /** No-score collar in seconds. */
  collar: number;
  /** Collar semantics: md-eval (+-collar) or pyannote (total width). */
  collarConvention: CollarConvention;
  /** Skip overlapped reference speech. */
  skipOverlap: boolean;
  /** Scoring extent without a UEM. */
  uemFrom: "ref+sys" | "ref";
}

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
export const derMetric: ScorerPlugin<DerConfig, Metric> = {
  kind: "scorer",
  name: "der",
  description: "diarization error rate (missed, false alarm, confusion; Hungarian speaker mapping)",
  defaults: { collar: 0, collarConvention: "md-eval", skipOverlap: false, uemFrom: "ref+sys" },
  options: {
    collar:
      "no-score collar in seconds (md-eval: +-collar around reference boundaries; pyannote: total width)",
    collarConvention: "md-eval (dscore, VBx, SpeechBrain) or pyannote (pyannote.metrics)",
    skipOverlap: "do not score regions where reference speakers overlap (md-eval -1)",
    uemFrom:
      "without a UEM, score [min onset, max offset] of ref+sys turns (dscore) or of ref only (md-eval)",
  },
  validate(c) {
    check.nonNegative("scorer 'der'", "collar", c.collar);
    check.oneOf("scorer 'der'", "collarConvention", c.collarConvention, ["md-eval", "pyannote"] as const);
    check.oneOf("scorer 'der'", "skipOverlap", c.skipOverlap, [true, false]);
    check.oneOf("scorer 'der'", "uemFrom", c.uemFrom, ["ref+sys", "ref"] as const);
  },
  create(c) {
    return {
      role: "metric",
      compute(input) {
        const { ref, sys, uem } = diarizationInput(input, "der");
        const o = diarizationErrorRate(ref, sys, { ...c, uem }).overall;
        return { ...o };
      },
    };
  },
};
