/**
 * Detection cost functions: normalised minDCF (normalised by min(Cmiss*Ptar, Cfa*(1-Ptar)), the NIST
 * default cost) and actDCF of scores read as natural-log likelihood ratios at the Bayes threshold
 * log(Cfa(1-Ptar) / (Cmiss Ptar)).
 * @module
 */
import { type OperatingPoints, operatingPoints, type ScoreSplit } from "./score_split.ts";

/** Cost parameters of a detection cost function. */
export interface DcfParams {
  readonly pTarget: number;
  readonly cMiss?: number;
  readonly cFa?: number;
}

function dcfNorm(p: DcfParams): { pt: number; cm: number; cf: number; cdef: number } {
  const cm = p.cMiss ?? 1, cf = p.cFa ?? 1, pt = p.pTarget;
  return { pt, cm, cf, cdef: Math.min(cm * pt, cf * (1 - pt)) };
}

/** Normalised minimum DCF over all achievable thresholds, and the threshold that reaches it. */
export function minDcf(split: ScoreSplit, params: DcfParams): { minDcf: number; threshold: number } {
  return minDcfOfPoints(operatingPoints(split), params);
}

/** {@link minDcf} on operating points already computed (one sort serves every prior). */
export function minDcfOfPoints(
  { thresholds, pmiss, pfa }: OperatingPoints,
  params: DcfParams,
): { minDcf: number; threshold: number } {
  const { pt, cm, cf, cdef } = dcfNorm(params);
  let best = Infinity, thr = NaN;
  for (let k = 0; k < pmiss.length; k++) {
    const c = cm * pmiss[k] * pt + cf * pfa[k] * (1 - pt);
    if (c < best) [best, thr] = [c, thresholds[k]];
  }
  return { minDcf: best / cdef, threshold: thr };
}

/** The Bayes decision threshold on log-likelihood ratios for these costs. */
export function bayesThreshold(params: DcfParams): number {
  const { pt, cm, cf } = dcfNorm(params);
  return Math.log((cf * (1 - pt)) / (cm * pt));
}

/**
 * Normalised actual DCF of scores read as natural-log likelihood ratios, thresholded at the Bayes
 * threshold: a trial is accepted when llr > threshold.
 */
export function actDcf(split: ScoreSplit, params: DcfParams): number {
  const { pt, cm, cf, cdef } = dcfNorm(params);
  const t = bayesThreshold(params);
  let miss = 0, fa = 0;
  for (const s of split.tar) if (s <= t) miss++;
  for (const s of split.non) if (s > t) fa++;
  return (cm * pt * (miss / split.tar.length) + cf * (1 - pt) * (fa / split.non.length)) / cdef;
}
