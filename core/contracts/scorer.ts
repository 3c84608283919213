/**
 * Scorer contract: trial scoring, score normalisation, calibration/fusion, and metrics.
 * A scorer plugin declares its `role`; pipelines pick by role.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { PluginDefinition } from "./base.ts";

/** Trials as index pairs into an enrollment and a test matrix. */
export interface TrialIndex {
  /** Row of the enrollment matrix per trial. */
  readonly enroll: Int32Array;
  /** Row of the test matrix per trial. */
  readonly test: Int32Array;
  /** 1 = target, 0 = non-target, -1 = unknown. */
  readonly labels?: Int8Array;
}

/** Produces one raw score per trial. */
export interface TrialScorer {
  /** Discriminates the scorer roles. */
  readonly role: "score";
  /** One score per trial. */
  score(enroll: Matrix, test: Matrix, trials: TrialIndex): Float32Array;
}

/** Context a normaliser may use: the embeddings and a cohort. */
export interface NormContext {
  /** Enrollment embeddings. */
  readonly enroll: Matrix;
  /** Test embeddings. */
  readonly test: Matrix;
  /** The trials the scores belong to. */
  readonly trials: TrialIndex;
  /** Cohort (impostor) embeddings. */
  readonly cohort?: Matrix;
  /** Speaker label per cohort row (for per-speaker-mean cohorts). */
  readonly cohortLabels?: Int32Array;
}

/** Normalises raw scores (S-norm, AS-norm...). */
export interface ScoreNormalizer {
  /** Discriminates the scorer roles. */
  readonly role: "normalize";
  /** Normalised scores, same length as `scores`. */
  normalize(scores: Float32Array, ctx: NormContext): Float32Array;
}

/** Maps one or several systems' scores to calibrated log-likelihood ratios. */
export interface Calibrator {
  /** Discriminates the scorer roles. */
  readonly role: "calibrate";
  /** `systems[s][t]` is system s's score of trial t; labels 1 = target, 0 = non-target. */
  fit(systems: readonly Float32Array[], labels: Int8Array): void;
  /** Calibrated/fused log-likelihood ratios, one per trial. */
  apply(systems: readonly Float32Array[]): Float32Array;
  /** Learned parameters (weights, offset, prior). */
  state?(): Record<string, unknown>;
}

/** Computes named figures from scores and labels (or other inputs described by the plugin). */
export interface Metric {
  /** Discriminates the scorer roles. */
  readonly role: "metric";
  /** Named figures (EER, minDCF, DER...). */
  compute(input: MetricInput): Record<string, number>;
}

/** Inputs a metric may read; each metric documents which fields it needs. */
export interface MetricInput {
  /** Scores of trials (score files are parsed as float64). */
  readonly scores?: Float32Array | Float64Array;
  /** 1 = target, 0 = non-target. */
  readonly labels?: Int8Array;
  /** Anything else a metric documents it needs. */
  readonly [extra: string]: unknown;
}

/** Any scorer instance. */
export type Scorer = TrialScorer | ScoreNormalizer | Calibrator | Metric;

/** A scorer plugin definition. */
export type ScorerPlugin<C extends object = object, I extends Scorer = Scorer> = PluginDefinition<
  "scorer",
  C,
  I
>;
