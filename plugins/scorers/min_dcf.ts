/**
 * Normalised minimum detection cost at each requested target prior (default 0.01 and 0.05), as in
 * WeSpeaker's `compute_c_norm`.
 * @module
 */
import type { Metric } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { minDcfOfPoints, operatingPoints } from "../../core/scoring/metrics.ts";
import { metricSplit, priorKey } from "../../core/scoring/metric_input.ts";
import { DCF_OPTIONS } from "./dcf_config.ts";

/** `min-dcf` metric plugin: returns { "minDcf@0.01": ..., "threshold@0.01": ..., ... }. */
export const minDcfMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "min-dcf",
  description: "normalised minimum detection cost (NIST/WeSpeaker) at each target prior, with its threshold",
  module: import.meta.url,
  options: DCF_OPTIONS,
  create: (c): Metric => ({
    role: "metric",
    compute(input) {
      const points = operatingPoints(metricSplit(input, "min-dcf")); // one sort for every prior
      return Object.fromEntries(c.pTargets.flatMap((p) => {
        const r = minDcfOfPoints(points, { pTarget: p, cMiss: c.cMiss, cFa: c.cFa });
        return [[`minDcf@${priorKey(p)}`, r.minDcf], [`threshold@${priorKey(p)}`, r.threshold]];
      }));
    },
  }),
});
