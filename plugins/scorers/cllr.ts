/**
 * Log-likelihood-ratio cost (BOSARIS Cllr, bits) of llr scores, and minCllr after the PAV-optimal
 * monotonic recalibration (the discrimination part; Cllr - minCllr is the calibration loss).
 * @module
 */
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { cllr, minCllr } from "../../core/scoring/metrics.ts";
import { metricSplit } from "../../core/scoring/metric_input.ts";

/** Options of the `cllr` metric (none). */
export type CllrConfig = Record<never, never>;

/** `cllr` metric plugin: returns { cllr, minCllr }. */
export const cllrMetric: ScorerPlugin<CllrConfig, Metric> = {
  kind: "scorer",
  name: "cllr",
  description: "Cllr of llr scores in bits, and minCllr after PAV (ties pooled)",
  defaults: {},
  options: {},
  validate() {},
  create() {
    return {
      role: "metric",
      compute(input) {
        const split = metricSplit(input, "cllr");
        return { cllr: cllr(split), minCllr: minCllr(split) };
      },
    };
  },
};
