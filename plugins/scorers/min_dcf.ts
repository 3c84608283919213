/**
 * Normalised minimum detection cost at each requested target prior (default 0.01 and 0.05), as in
 * WeSpeaker's `compute_c_norm`.
 * @module
 */
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { minDcfOfPoints, operatingPoints } from "../../core/scoring/metrics.ts";
import { metricSplit, priorKey } from "../../core/scoring/metric_input.ts";
import { DCF_DEFAULTS, DCF_OPTIONS, type DcfConfig, validateDcf } from "./dcf_config.ts";

/** `min-dcf` metric plugin: returns { "minDcf@0.01": ..., "threshold@0.01": ..., ... }. */
export const minDcfMetric: ScorerPlugin<DcfConfig, Metric> = {
  kind: "scorer",
  name: "min-dcf",
  description: "normalised minimum detection cost (NIST/WeSpeaker) at each target prior, with its threshold",
  defaults: DCF_DEFAULTS,
  options: DCF_OPTIONS,
  validate: (c) => validateDcf("min-dcf", c),
  create(c) {
    return {
      role: "metric",
      compute(input) {
        const points = operatingPoints(metricSplit(input, "min-dcf")); // one sort for every prior
        const out: Record<string, number> = {};
        for (const p of c.pTargets) {
          const r = minDcfOfPoints(points, { pTarget: p, cMiss: c.cMiss, cFa: c.cFa });
          out[`minDcf@${priorKey(p)}`] = r.minDcf;
          out[`threshold@${priorKey(p)}`] = r.threshold;
        }
        return out;
      },
    };
  },
};
