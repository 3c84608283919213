/**
 * Normalised actual detection cost: scores are read as natural-log likelihood ratios and thresholded
 * at the Bayes threshold log(Cfa (1 - P) / (Cmiss P)); a trial is accepted when llr > threshold.
 * @module
 */
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { actDcf } from "../../core/scoring/metrics.ts";
import { metricSplit, priorKey } from "../../core/scoring/metric_input.ts";
import { DCF_DEFAULTS, DCF_OPTIONS, type DcfConfig, validateDcf } from "./dcf_config.ts";

/** `act-dcf` metric plugin: returns { "actDcf@0.01": ..., ... }. */
export const actDcfMetric: ScorerPlugin<DcfConfig, Metric> = {
  kind: "scorer",
  name: "act-dcf",
  description: "normalised actual detection cost of calibrated llr scores at each target prior",
  defaults: DCF_DEFAULTS,
  options: DCF_OPTIONS,
  validate: (c) => validateDcf("act-dcf", c),
  create(c) {
    return {
      role: "metric",
      compute(input) {
        const split = metricSplit(input, "act-dcf");
        const out: Record<string, number> = {};
        for (const p of c.pTargets) {
          out[`actDcf@${priorKey(p)}`] = actDcf(split, { pTarget: p, cMiss: c.cMiss, cFa: c.cFa });
        }
        return out;
      },
    };
  },
};
