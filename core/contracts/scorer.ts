/**
 * Scorer contract: trial scoring, score normalisation, calibration/fusion, and metrics.
 * A scorer plugin declares its `role`; pipelines pick by role.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { PluginDefinition } from "./base.ts";

/** Trials as index pairs into an enrollment and a test matrix. */
export interface TrialIndex {
  readonly enroll: Int32Array;
  readonly test: Int32Array;
  /** 1 = target, 0 = non-target, -1 = unknown. */
  readonly labels?: Int8Array;
}

/** Produces one raw score per trial. */
export interface TrialScorer {
  readonly role: "score";
  score(enroll: Matrix, test: Matrix, trials: TrialIndex): Float32Array;
}

/** Context a normaliser may use: the embeddings and a cohort. */
export interface NormContext {
  readonly enroll: Matrix;
  readonly test: Matrix;
  readonly trials: TrialIndex;
  readonly cohort?: Matrix;
  readonly cohortLabels?: Int32Array;
}

/** Normalises raw scores (S-norm, AS-norm...). */
export interface ScoreNormalizer {
  readonly role: "normalize";
  normalize(scores: Float32Array, ctx: NormContext): Float32Array;
}

/** Maps one or several systems' scores to calibrated log-likelihood ratios. */
export interface Calibrator {
  readonly role: "calibrate";
  /** `systems[s][t]` is system s's score of trial t; labels 1 = target, 0 = non-target. */
  fit(systems: readonly Float32Array[], labels: Int8Array): void;
  apply(systems: readonly Float32Array[]): Float32Array;
  state?(): Record<string, unknown>;
}

/** Computes named figures from scores and labels (or other inputs described by the plugin). */
export interface Metric {
  readonly role: "metric";
  compute(input: MetricInput): Record<string, number>;
}

/** Inputs a metric may read; each metric documents which fields it needs. */
export interface MetricInput {
  readonly scores?: Float32Array;
  readonly labels?: Int8Array;
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
