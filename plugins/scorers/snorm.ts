/**
 * Symmetric score normalisation (S-norm): each score is z-normalised with the mean/std of the
 * enrollment's and of the test's cosine scores against the whole cohort, and the two are averaged.
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

/** Options of `snorm`. */
export interface SnormConfig {
  cohortMode: CohortMode;
}

/** `snorm` normaliser plugin. */
export const snormScorer: ScorerPlugin<SnormConfig, ScoreNormalizer> = {
  kind: "scorer",
  name: "snorm",
  description: "S-norm: average of the enrollment-side and test-side z-norms over the whole cohort",
  defaults: { cohortMode: "sample" },
  options: {
    cohortMode:
      "'sample' (cohort rows as given) or 'speaker-mean' (WeSpeaker: one mean embedding per cohort speaker)",
  },
  validate(c) {
    check.oneOf("scorer 'snorm'", "cohortMode", c.cohortMode, ["sample", "speaker-mean"]);
  },
  create(c) {
    return {
      role: "normalize",
      normalize(scores, ctx) {
        checkTrials(scores, ctx, "snorm");
        const cohort = resolveCohort(ctx, c.cohortMode, "snorm");
        const all = cohort.rows;
        return symmetricNorm(
          scores,
          ctx,
          topNStats(ctx.enroll, cohort, all),
          topNStats(ctx.test, cohort, all),
          "snorm",
        );
      },
    };
  },
};
