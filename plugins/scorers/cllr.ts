/**
 * Log-likelihood-ratio cost (BOSARIS Cllr, bits) of llr scores, and minCllr after the PAV-optimal
 * monotonic recalibration (the discrimination part; Cllr - minCllr is the calibration loss).
 * @module
 */
import { definePlugin } from "../../core/plugin.ts";
import { cllr, minCllr } from "../../core/scoring/metrics.ts";
import { metricSplit } from "../../core/scoring/metric_input.ts";

/** `cllr` metric plugin: returns { cllr, minCllr }. */
export const cllrMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "cllr",
  description: "Cllr of llr scores in bits, and minCllr after PAV (ties pooled)",
  module: import.meta.url,
  options: {},
  create() {
    return {
      role: "metric" as const,
      compute(input: Parameters<typeof metricSplit>[0]) {
        const split = metricSplit(input, "cllr");
        return { cllr: cllr(split), minCllr: minCllr(split) };
      },
    };
  },
});
