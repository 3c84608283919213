/**
 * Adaptive S-norm as WeSpeaker's `score_norm.py`: per enrollment and per test embedding, the mean and
 * population std of its `topN` highest cosine scores against the cohort (L2-normalised rows), then
 * 0.5 * ((s - mu_e) / sd_e + (s - mu_t) / sd_t). The cohort is either the samples as given or, as
 * WeSpeaker builds it, one mean embedding per cohort speaker.
 * @module
 */
import type { ScoreNormalizer, ScorerPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import {
  checkTrials,
  type CohortMode,
  resolveCohort,
  symmetricNorm,
  topNStats,
} from "../../core/scoring/cohort.ts";

/** Options of `asnorm`. */
export interface AsnormConfig {
  topN: number;
  cohortMode: CohortMode;
}

/** `asnorm` normaliser plugin. */
export const asnormScorer: ScorerPlugin<AsnormConfig, ScoreNormalizer> = {
  kind: "scorer",
  name: "asnorm",
  description:
    "adaptive S-norm with top-N cohorts (WeSpeaker score_norm.py), sample or per-speaker-mean cohort",
  defaults: { topN: 300, cohortMode: "sample" },
  options: {
    topN: "number of highest-scoring cohort entries per embedding (integer >= 2; all when >= cohort size)",
    cohortMode:
      "'sample' (cohort rows as given) or 'speaker-mean' (WeSpeaker: one mean embedding per cohort speaker)",
  },
  validate(c) {
    check.integer("scorer 'asnorm'", "topN", c.topN, 2);
    check.oneOf("scorer 'asnorm'", "cohortMode", c.cohortMode, ["sample", "speaker-mean"]);
  },
  create(c) {
    return {
      role: "normalize",
      normalize(scores, ctx) {
        checkTrials(scores, ctx, "asnorm");
        const cohort = resolveCohort(ctx, c.cohortMode, "asnorm");
        return symmetricNorm(
          scores,
          ctx,
          topNStats(ctx.enroll, cohort, c.topN),
          topNStats(ctx.test, cohort, c.topN),
          "asnorm",
        );
      },
    };
  },
};
