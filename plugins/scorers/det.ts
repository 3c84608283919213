/**
 * DET curve: Pmiss against Pfa at every achievable threshold, with probit coordinates for plotting.
 * `compute` gives summary numbers (the metric contract); `curve` gives the points; write a plot with
 * `writeDetSvg` from core/scoring/det_plot.ts.
 * @module
 */
import type { Metric, MetricInput } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { type DetCurve, detCurve, eerOfPoints, operatingPoints } from "../../core/scoring/metrics.ts";
import { metricSplit } from "../../core/scoring/metric_input.ts";

/** A DET metric instance: `curve(input)` returns the points. */
export interface DetMetric extends Metric {
  curve(input: MetricInput): DetCurve;
}

/** `det` metric plugin (no options). */
export const detMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "det",
  description: "DET curve points (Pfa, Pmiss and their probits) at every achievable threshold",
  module: import.meta.url,
  options: {},
  create: (): DetMetric => ({
    role: "metric",
    curve: (input) => detCurve(metricSplit(input, "det")),
    compute(input) {
      const points = operatingPoints(metricSplit(input, "det")); // the summary needs no probits
      return { points: points.pmiss.length, eer: eerOfPoints(points).eer };
    },
  }),
});
