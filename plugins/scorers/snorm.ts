/**
 * Symmetric score normalisation (S-norm): each score is z-normalised with the mean/std of the
 * enrollment's and of the test's cosine scores against the whole cohort, and the two are averaged.
 * @module
 */
import type { ScoreNormalizer } from "../../core/contracts/mod.ts";
import { definePlugin } from "../../core/plugin.ts";
import { COHORT_MODE_OPTION, cohortNormalizer, ownSideNorm } from "./cohort_kit.ts";

/** `snorm` normaliser plugin. */
export const snormScorer = definePlugin({
  kind: "scorer",
  role: "normalize",
  name: "snorm",
  description: "S-norm: average of the enrollment-side and test-side z-norms over the whole cohort",
  module: import.meta.url,
  options: { cohortMode: COHORT_MODE_OPTION },
  create: (c): ScoreNormalizer =>
    cohortNormalizer(
      "snorm",
      c.cohortMode,
      (scores, ctx, cohort) => ownSideNorm(scores, ctx, cohort, cohort.rows, cohort.rows, "snorm"),
    ),
});
