/**
 * Adaptive S-norm as WeSpeaker's `score_norm.py`: per enrollment and per test embedding, the mean and
 * population std of its `topN` highest cosine scores against the cohort (L2-normalised rows), then
 * 0.5 * ((s - mu_e) / sd_e + (s - mu_t) / sd_t). The cohort is either the samples as given or, as
 * WeSpeaker builds it, one mean embedding per cohort speaker.
 * @module
 */
import type { ScoreNormalizer } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { COHORT_MODE_OPTION, cohortNormalizer, ownSideNorm } from "./cohort_kit.ts";

/** `asnorm` normaliser plugin. */
export const asnormScorer = definePlugin({
  kind: "scorer",
  role: "normalize",
  name: "asnorm",
  description:
    "adaptive S-norm with top-N cohorts (WeSpeaker score_norm.py), sample or per-speaker-mean cohort",
  module: import.meta.url,
  options: {
    topN: opt.integer(
      300,
      "number of highest-scoring cohort entries per embedding (all when >= cohort size)",
      { min: 2 },
    ),
    cohortMode: COHORT_MODE_OPTION,
  },
  create: (c): ScoreNormalizer =>
    cohortNormalizer(
      "asnorm",
      c.cohortMode,
      (scores, ctx, cohort) => ownSideNorm(scores, ctx, cohort, c.topN, c.topN, "asnorm"),
    ),
});
