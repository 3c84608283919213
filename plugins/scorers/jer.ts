/**
 * `jer` metric: Jaccard error rate as dscore computes it (frames, no collar, overlap scored).
 * Input: `{ reference: Turn[], hypothesis: Turn[], uem?: Uem }`.
 * @module
 */
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { jaccardErrorRate } from "../../core/diarization/jer.ts";
import { diarizationInput } from "./der.ts";

/** Options of the `jer` metric. */
export interface JerConfig {
  /** Frame step in seconds. */
  step: number;
  /** Minimum reference speaker duration in seconds. */
  minRefDuration: number;
}

/** `jer` scorer plugin. */
export const jerMetric: ScorerPlugin<JerConfig, Metric> = {
  kind: "scorer",
  name: "jer",
  description: "Jaccard error rate (dscore definition, percent)",
  defaults: { step: 0.01, minRefDuration: 0 },
  options: {
    step: "frame step in seconds (dscore default 0.01)",
    minRefDuration: "ignore reference speakers with less speech than this (seconds)",
  },
  validate(c) {
    check.positive("scorer 'jer'", "step", c.step);
    check.nonNegative("scorer 'jer'", "minRefDuration", c.minRefDuration);
  },
  create(c) {
    return {
      role: "metric",
      compute(input) {
        const { ref, sys, uem } = diarizationInput(input, "jer");
        const r = jaccardErrorRate(ref, sys, { ...c, uem });
        return { jer: r.overall, files: r.files.length };
      },
    };
  },
};
