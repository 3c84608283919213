/**
 * Cohort statistics for S-norm / AS-norm: cosine scores of embeddings against a cohort, the mean and
 * (population) standard deviation of each row's top-N cohort scores, and WeSpeaker's per-speaker-mean
 * cohort. The statistics come from the WASM selection kernel (topkStatsTiled / topkStatsRows): the
 * cosine scores are computed in cache-sized tiles and only each row's mean and std leave the kernel,
 * so scoring 1M trials never holds an [embeddings x cohort] matrix or sorts a row.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { NormContext } from "../contracts/scorer.ts";
import { topkStatsRows, topkStatsTiled } from "../kernels/distance.ts";
import { ConfigError } from "../errors.ts";

/** How the cohort is formed from `ctx.cohort` rows. */
export type CohortMode = "sample" | "speaker-mean";

/** Per-row mean and population standard deviation of cohort scores. */
export interface CohortStats {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/**
 * WeSpeaker's cohort (tools/vector_mean.py): the plain mean of each speaker's raw embeddings, one
 * row per distinct label, in order of first appearance.
 */
export function speakerMeanCohort(cohort: Matrix, labels: Int32Array): Matrix {
  if (labels.length !== cohort.rows) {
    throw new RangeError(
      `cohortLabels has ${labels.length} entries for ${cohort.rows} cohort rows; give one speaker label per row`,
    );
  }
  const slot = new Map<number, number>();
  for (const l of labels) if (!slot.has(l)) slot.set(l, slot.size);
  const d = cohort.cols, k = slot.size;
  const sum = new Float64Array(k * d), count = new Float64Array(k);
  for (let i = 0; i < cohort.rows; i++) {
    const s = slot.get(labels[i])!;
    count[s]++;
    for (let j = 0; j < d; j++) sum[s * d + j] += cohort.data[i * d + j];
  }
  const out = new Float32Array(k * d);
  for (let s = 0; s < k; s++) for (let j = 0; j < d; j++) out[s * d + j] = sum[s * d + j] / count[s];
  return { rows: k, cols: d, data: out };
}

/** The cohort matrix a normaliser uses, with a clear error when the context has none. */
export function resolveCohort(ctx: NormContext, mode: CohortMode, plugin: string): Matrix {
  if (!ctx.cohort || ctx.cohort.rows === 0) {
    throw new ConfigError(
      `scorer '${plugin}'`,
      "needs a cohort: pass ctx.cohort (embeddings of speakers outside the trials)",
    );
  }
  if (mode === "sample") return ctx.cohort;
  if (!ctx.cohortLabels) {
    throw new ConfigError(
      `scorer '${plugin}'`,
      "cohortMode 'speaker-mean' needs ctx.cohortLabels (speaker id per cohort row); or use cohortMode 'sample'",
    );
  }
  return speakerMeanCohort(ctx.cohort, ctx.cohortLabels);
}

/**
 * Mean/std of each row's `topN` highest cosine scores against the cohort (all of them when topN >=
 * cohort size), summed best first in float64 as WeSpeaker's get_mean_std sorts them.
 */
export function topNStats(x: Matrix, cohort: Matrix, topN: number): CohortStats {
  return topkStatsTiled(x, cohort, topN, "cosine");
}

/** Same as {@link topNStats} on a precomputed [rows x cohort] score matrix. */
export function topNStatsOfScores(scores: Matrix, topN: number): CohortStats {
  if (scores.rows === 0) return { mean: new Float64Array(0), std: new Float64Array(0) };
  return topkStatsRows(scores, topN);
}

/** Checks that the trial indices fit the matrices and that the score count matches. */
export function checkTrials(scores: Float32Array, ctx: NormContext, plugin: string): void {
  const t = ctx.trials;
  if (t.enroll.length !== scores.length || t.test.length !== scores.length) {
    throw new RangeError(
      `scorer '${plugin}': ${scores.length} scores for ${t.enroll.length} trials; give one score per trial`,
    );
  }
  for (let i = 0; i < t.enroll.length; i++) {
    if (t.enroll[i] < 0 || t.enroll[i] >= ctx.enroll.rows || t.test[i] < 0 || t.test[i] >= ctx.test.rows) {
      throw new RangeError(
        `scorer '${plugin}': trial ${i} indexes enroll row ${t.enroll[i]} / test row ${
          t.test[i]
        } outside ${ctx.enroll.rows} / ${ctx.test.rows} rows`,
      );
    }
  }
  if (ctx.cohort && ctx.cohort.cols !== ctx.enroll.cols) {
    throw new RangeError(
      `scorer '${plugin}': cohort dim ${ctx.cohort.cols} != embedding dim ${ctx.enroll.cols}`,
    );
  }
}

/** 0.5 * ((s - mu_e) / sd_e + (s - mu_t) / sd_t) per trial, refusing zero spreads by name. */
export function symmetricNorm(
  scores: Float32Array,
  ctx: NormContext,
  e: CohortStats,
  t: CohortStats,
  plugin: string,
): Float32Array {
  const out = new Float32Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const a = ctx.trials.enroll[i], b = ctx.trials.test[i];
    const se = e.std[a], st = t.std[b];
    if (!(se > 0) || !(st > 0)) {
      throw new RangeError(
        `scorer '${plugin}': cohort scores of ${
          se > 0 ? `test row ${b}` : `enroll row ${a}`
        } have zero spread; use a larger or more varied cohort / topN`,
      );
    }
    const s = scores[i];
    out[i] = 0.5 * ((s - e.mean[a]) / se + (s - t.mean[b]) / st);
  }
  return out;
}
