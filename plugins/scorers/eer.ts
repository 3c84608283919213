/**
 * Equal error rate: the NIST-interpolated EER of WeSpeaker's `score_metrics.py` and the ROCCH EER of
 * BOSARIS, as fractions (0.05 = 5 %). See core/scoring/metrics.ts for the tie convention.
 * @module
 */
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { eerNist, eerRocch } from "../../core/scoring/metrics.ts";
import { metricSplit } from "../../core/scoring/metric_input.ts";

/** Options of the `eer` metric (none yet; the object keeps the plugin shape uniform). */
export type EerConfig = Record<never, never>;

/** `eer` metric plugin: returns { eer, eerThreshold, eerRocch }. */
export const eerMetric: ScorerPlugin<EerConfig, Metric> = {
  kind: "scorer",
  name: "eer",
  description:
    "equal error rate: NIST-interpolated (WeSpeaker score_metrics) and ROCCH (BOSARIS), as fractions",
  defaults: {},
  options: {},
  validate() {},
  create() {
    return {
      role: "metric",
      compute(input) {
        const split = metricSplit(input, "eer");
        const nist = eerNist(split);
        return { eer: nist.eer, eerThreshold: nist.threshold, eerRocch: eerRocch(split) };
      },
    };
  },
};
