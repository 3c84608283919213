/**
 * `identification` metric: identification error rate, precision and recall with pyannote.metrics'
 * definitions, and top-N accuracy (core/speakers/identification_metrics.ts says how each is counted).
 * Input: `{ reference, hypothesis, durations?, ranked? }`: per segment a name, `null` (pyannote's
 * Unknown: not enrolled / rejected) or a list of these; durations weight segments (default 1 each);
 * `ranked[i]` lists candidate names best first for top-N accuracy.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import type { Metric } from "../../core/contracts/scorer.ts";
import { identificationMetrics, type SegmentLabels } from "../../core/speakers/identification_metrics.ts";

function labelList(v: unknown, field: string): SegmentLabels[] {
  const ok = (x: unknown) => x === null || typeof x === "string";
  if (Array.isArray(v) && v.every((x) => ok(x) || (Array.isArray(x) && x.every(ok)))) {
    return v as SegmentLabels[];
  }
  throw new TypeError(
    `identification needs '${field}' as an array with, per segment, a name, null (unknown) or a list of these`,
  );
}

/** `identification` scorer plugin (role metric). */
export const identificationMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "identification",
  description: "speaker identification: IER, precision, recall (pyannote.metrics) and top-N accuracy",
  module: import.meta.url,
  options: {
    confusion: opt.number(1, "weight of confusion in IER", { min: 0 }),
    miss: opt.number(1, "weight of missed detection in IER", { min: 0 }),
    falseAlarm: opt.number(1, "weight of false alarm in IER", { min: 0 }),
    topN: opt.numbers([1, 5], "cut-offs N of top-N accuracy", { integer: true, min: 1 }),
  },
  create(c): Metric {
    return {
      role: "metric",
      compute(input) {
        const ranked = input.ranked;
        if (ranked !== undefined && !(Array.isArray(ranked) && ranked.every((r) => Array.isArray(r)))) {
          throw new TypeError("identification: 'ranked' must hold, per segment, a list of names best first");
        }
        const durations = input.durations as ArrayLike<number> | undefined;
        return identificationMetrics({
          reference: labelList(input.reference, "reference"),
          hypothesis: labelList(input.hypothesis, "hypothesis"),
          ...(durations ? { durations } : {}),
          ...(ranked ? { ranked: ranked as string[][] } : {}),
        }, { weights: { confusion: c.confusion, miss: c.miss, falseAlarm: c.falseAlarm }, topN: c.topN });
      },
    };
  },
});
