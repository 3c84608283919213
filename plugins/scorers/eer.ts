/**
 * Equal error rate: the NIST-interpolated EER of WeSpeaker's `score_metrics.py` and the ROCCH EER of
 * BOSARIS, as fractions (0.05 = 5 %). See core/scoring/metrics.ts for the tie convention.
 * @module
 */
import type { Metric } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { eerNist, eerRocch } from "../../core/scoring/metrics.ts";
import { metricSplit } from "../../core/scoring/metric_input.ts";

/** `eer` metric plugin (no options): returns { eer, eerThreshold, eerRocch }. */
export const eerMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "eer",
  description:
    "equal error rate: NIST-interpolated (WeSpeaker score_metrics) and ROCCH (BOSARIS), as fractions",
  module: import.meta.url,
  options: {},
  create: (): Metric => ({
    role: "metric",
    compute(input) {
      const split = metricSplit(input, "eer");
      const nist = eerNist(split);
      return { eer: nist.eer, eerThreshold: nist.threshold, eerRocch: eerRocch(split) };
    },
  }),
});
