/**
 * `cluster-metrics` metric: ARI, NMI, purity and Hungarian cluster accuracy of a clustering.
 * Input: `{ labelsTrue: ArrayLike<number|string>, labelsPred: ArrayLike<number|string> }`.
 * @module
 */
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import {
  adjustedRandIndex,
  clusterAccuracy,
  type Labels,
  type NmiAverage,
  normalizedMutualInformation,
  purity,
} from "../../core/metrics/cluster_metrics.ts";

/** Options of the `cluster-metrics` metric. */
export interface ClusterMetricsConfig {
  /** How the entropies are averaged to normalise MI. */
  nmiAverage: NmiAverage;
}

function labels(v: unknown, name: string): Labels {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return v as unknown as Labels;
  throw new TypeError(`cluster-metrics needs '${name}' as an array of labels (numbers or strings)`);
}

/** `cluster-metrics` scorer plugin. */
export const clusterMetricsMetric: ScorerPlugin<ClusterMetricsConfig, Metric> = {
  kind: "scorer",
  name: "cluster-metrics",
  description: "clustering quality: ARI, NMI, purity, Hungarian cluster accuracy (sklearn definitions)",
  defaults: { nmiAverage: "arithmetic" },
  options: {
    nmiAverage: "NMI normaliser: arithmetic (sklearn default), geometric, min or max of the entropies",
  },
  validate(c) {
    check.oneOf(
      "scorer 'cluster-metrics'",
      "nmiAverage",
      c.nmiAverage,
      ["arithmetic", "geometric", "min", "max"] as const,
    );
  },
  create(c) {
    return {
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
    };
  },
};
