/**
 * What the cohort score normalisers (`snorm`, `asnorm`, `asnorm2`) share: the `cohortMode` option,
 * declared once, and the normaliser around each one's statistics (trials checked, the cohort resolved
 * as the option says, then the normalisation).
 * Not a plugin itself: plugins/scorers/mod.ts does not list it.
 * @module
 */
import type { NormContext, ScoreNormalizer } from "../../core/contracts/mod.ts";
import { opt, type OptionDecl } from "../../core/options.ts";
import type { Matrix } from "../../core/matrix.ts";
import {
  checkTrials,
  type CohortMode,
  resolveCohort,
  symmetricNorm,
  topNStats,
} from "../../core/scoring/cohort.ts";

/** `cohortMode`: the cohort as given, or one mean embedding per cohort speaker (WeSpeaker). */
export const COHORT_MODE_OPTION: OptionDecl<CohortMode> = opt.oneOf(
  ["sample", "speaker-mean"] as const,
  "sample",
  "'sample' (cohort rows as given) or 'speaker-mean' (WeSpeaker: one mean embedding per cohort speaker)",
);

/** A normaliser named `name`: checks the trials, resolves the cohort by `mode`, then runs `norm`. */
export function cohortNormalizer(
  name: string,
  mode: CohortMode,
  norm: (scores: Float32Array, ctx: NormContext, cohort: Matrix) => Float32Array,
): ScoreNormalizer {
  return {
    role: "normalize",
    normalize(scores, ctx) {
      checkTrials(scores, ctx, name);
      return norm(scores, ctx, resolveCohort(ctx, mode, name));
    },
  };
}

/**
 * The symmetric z-norm average with per-row statistics over each side's own top-N cohort scores
 * (`topEnroll` for the enrollment side, `topTest` for the test side; the whole cohort when >= its size).
 */
export function ownSideNorm(
  scores: Float32Array,
  ctx: NormContext,
  cohort: Matrix,
  topEnroll: number,
  topTest: number,
  name: string,
): Float32Array {
  return symmetricNorm(
    scores,
    ctx,
    topNStats(ctx.enroll, cohort, topEnroll),
    topNStats(ctx.test, cohort, topTest),
    name,
  );
}
