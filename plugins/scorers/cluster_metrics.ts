/**
 * `cluster-metrics` metric: ARI, NMI, purity and Hungarian cluster accuracy of a clustering.
 * Input: `{ labelsTrue: ArrayLike<number|string>, labelsPred: ArrayLike<number|string> }`.
 * @module
 */
import type { Metric } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import {
  adjustedRandIndex,
  clusterAccuracy,
  type Labels,
  normalizedMutualInformation,
  purity,
} from "../../core/cluster/agreement.ts";

function labels(v: unknown, name: string): Labels {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return v as unknown as Labels;
  throw new TypeError(`cluster-metrics needs '${name}' as an array of labels (numbers or strings)`);
}

/** `cluster-metrics` scorer plugin. */
export const clusterMetricsMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "cluster-metrics",
  description: "clustering quality: ARI, NMI, purity, Hungarian cluster accuracy (sklearn definitions)",
  module: import.meta.url,
  options: {
    nmiAverage: opt.oneOf(
      ["arithmetic", "geometric", "min", "max"] as const,
      "arithmetic",
      "NMI normaliser: arithmetic (sklearn default), geometric, min or max of the entropies",
    ),
  },
  create: (c): Metric => ({
    role: "metric",
    compute(input) {
      const t = labels(input.labelsTrue, "labelsTrue"), p = labels(input.labelsPred, "labelsPred");
      return {
        ari: adjustedRandIndex(t, p),
        nmi: normalizedMutualInformation(t, p, c.nmiAverage),
        purity: purity(t, p),
        accuracy: clusterAccuracy(t, p),
      };
    },
  }),
});
