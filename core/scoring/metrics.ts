/**
 * Verification metrics on (score, label) pairs: EER (NIST-interpolated as in WeSpeaker's
 * `score_metrics.py`, and the ROCCH EER of BOSARIS), normalised minDCF and actDCF, Cllr and minCllr
 * (PAV), and DET curve points.
 *
 * Conventions (documented because toolkits differ):
 * - A threshold `u` rejects every trial with score <= u and accepts every trial with score > u.
 * - Operating points are taken only at achievable thresholds: after each distinct score value (tied
 *   scores move together) plus "accept all" and "reject all". On tie-free scores this is exactly
 *   WeSpeaker's `compute_pmiss_pfa_rbst` sweep; on tied scores WeSpeaker's result depends on the order
 *   numpy's argsort leaves tied trials in, ours does not.
 * - minDCF is normalised by min(Cmiss*Ptar, Cfa*(1-Ptar)) (the NIST default cost); actDCF thresholds
 *   the scores as log-likelihood ratios at the Bayes threshold log(Cfa(1-Ptar) / (Cmiss Ptar)).
 * - Cllr is BOSARIS' (prior 0.5, bits); minCllr is Cllr after the PAV-optimal monotonic map, with
 *   tied scores pooled into one PAV block (BOSARIS' `optimal_llr` can split ties; pooling is the
 *   achievable optimum).
 *
 * Each family lives in a file named for it (score_split, pav, eer, dcf, cllr, normal_quantile); this
 * module re-exports them all.
 * @module
 */
export {
  groupScores,
  type OperatingPoints,
  operatingPoints,
  type ScoreGroups,
  type ScoreSplit,
  splitScores,
} from "./score_split.ts";
export { pav } from "./pav.ts";
export { type DetCurve, detCurve, eerNist, eerOfPoints, type EerResult, eerRocch, rocch } from "./eer.ts";
export { actDcf, bayesThreshold, type DcfParams, minDcf, minDcfOfPoints } from "./dcf.ts";
export { cllr, minCllr, optimalLlrs, softplus } from "./cllr.ts";
export { erfc, probit } from "./normal_quantile.ts";
