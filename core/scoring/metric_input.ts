/**
 * Reading a metric's `{scores, labels}` input into target / non-target splits with errors that name
 * the plugin and the fix.
 * @module
 */
import type { MetricInput } from "../contracts/scorer.ts";
import { type ScoreSplit, splitScores } from "./metrics.ts";

/** Validates `input.scores` (Float32Array/Float64Array/number[]) and `input.labels` and splits them. */
export function metricSplit(input: MetricInput, plugin: string): ScoreSplit {
  const what = `scorer '${plugin}' input`;
  const { scores, labels } = input ?? {};
  if (!scores || !labels) {
    throw new RangeError(
      `${what}: needs { scores, labels } with one score per trial and labels 1 = target, 0 = non-target`,
    );
  }
  return splitScores(scores as ArrayLike<number>, labels as ArrayLike<number>, what);
}

/** Formats a prior for metric keys: 0.01 -> "0.01". */
export function priorKey(p: number): string {
  return String(Number(p.toPrecision(6)));
}
