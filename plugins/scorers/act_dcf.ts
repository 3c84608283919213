/**
 * Normalised actual detection cost: scores are read as natural-log likelihood ratios and thresholded
 * at the Bayes threshold log(Cfa (1 - P) / (Cmiss P)); a trial is accepted when llr > threshold.
 * @module
 */
import type { Metric } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { actDcf } from "../../core/scoring/metrics.ts";
import { metricSplit, priorKey } from "../../core/scoring/metric_input.ts";
import { DCF_OPTIONS } from "./dcf_config.ts";

/** `act-dcf` metric plugin: returns { "actDcf@0.01": ..., ... }. */
export const actDcfMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "act-dcf",
  description: "normalised actual detection cost of calibrated llr scores at each target prior",
  module: import.meta.url,
  options: DCF_OPTIONS,
  create: (c): Metric => ({
    role: "metric",
    compute(input) {
      const split = metricSplit(input, "act-dcf");
      return Object.fromEntries(
        c.pTargets.map((
          p,
        ) => [`actDcf@${priorKey(p)}`, actDcf(split, { pTarget: p, cMiss: c.cMiss, cFa: c.cFa })]),
      );
    },
  }),
});
