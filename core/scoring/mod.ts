/**
 * Verification scoring toolkit behind the scorer and back-end plugins: metrics (EER, minDCF, actDCF,
 * Cllr/minCllr, DET + SVG plot), trial/enrollment helpers, cohort statistics, logistic-regression
 * calibration, two-covariance PLDA, and the .npz / Kaldi PLDA readers.
 *
 * ```ts
 * import { eerNist, splitScores } from "@embedkit/core/scoring";
 * const { eer } = eerNist(splitScores(scores, labels));
 * ```
 * @module
 */
export * from "./metrics.ts";
export * from "./det_plot.ts";
export * from "./trials.ts";
export * from "./cohort.ts";
export * from "./logreg.ts";
export * from "./plda.ts";
export * from "./score_file.ts";
export { type NpyArray, npzGet, parseNpy, parseNpz, readNpz } from "../io/npz.ts";
export { type KaldiPlda, parseKaldiPlda, readKaldiPlda } from "../io/kaldi_plda.ts";
