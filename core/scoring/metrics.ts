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
 * @module
 */
import { exactMean } from "./sums.ts";
import { InputError } from "../errors.ts";

/** Target and non-target scores, as float64. */
export interface ScoreSplit {
  readonly tar: Float64Array;
  readonly non: Float64Array;
}

/**
 * Splits scores by label (1 = target, 0 = non-target, -1 = unknown is skipped). Throws naming `what`
 * on length mismatch, NaN/Inf scores, other labels, or when either class is empty.
 */
export function splitScores(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  what = "scores",
): ScoreSplit {
  if (!scores || !labels) {
    throw new InputError(what, "needs both 'scores' and 'labels' (1 = target, 0 = non-target)");
  }
  if (scores.length !== labels.length) {
    throw new InputError(
      what,
      `${scores.length} scores but ${labels.length} labels; give one label per trial`,
    );
  }
  let nt = 0, nn = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new InputError(what, `score ${i} is ${scores[i]}; remove or repair non-finite scores`);
    }
    const l = labels[i];
    if (l === 1) nt++;
    else if (l === 0) nn++;
    else if (l !== -1) {
      throw new InputError(what, `label ${i} is ${l}; labels must be 1 (target), 0 (non-target) or -1`);
    }
  }
  if (nt === 0 || nn === 0) {
    throw new InputError(
      what,
      `needs at least one target and one non-target trial (got ${nt} targets, ${nn} non-targets)`,
    );
  }
  const tar = new Float64Array(nt), non = new Float64Array(nn);
  let a = 0, b = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] === 1) tar[a++] = scores[i];
    else if (labels[i] === 0) non[b++] = scores[i];
  }
  return { tar, non };
}

/** Distinct scores ascending with per-value target and non-target counts. */
export interface ScoreGroups {
  readonly values: Float64Array;
  readonly nTar: Float64Array;
  readonly nNon: Float64Array;
  readonly totalTar: number;
  readonly totalNon: number;
}

/** Groups tied scores: one entry per distinct value, ascending. */
export function groupScores({ tar, non }: ScoreSplit): ScoreGroups {
  const n = tar.length + non.length;
  const all = new Float64Array(n);
  all.set(tar);
  all.set(non, tar.length);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => all[x] - all[y]);
  const values: number[] = [], nt: number[] = [], nn: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const v = all[i];
    if (!values.length || values[values.length - 1] !== v) {
      values.push(v);
      nt.push(0);
      nn.push(0);
    }
    if (i < tar.length) nt[nt.length - 1]++;
    else nn[nn.length - 1]++;
  }
  return {
    values: Float64Array.from(values),
    nTar: Float64Array.from(nt),
    nNon: Float64Array.from(nn),
    totalTar: tar.length,
    totalNon: non.length,
  };
}

/** Operating points of the threshold sweep; index 0 is "accept all", the last is "reject all". */
export interface OperatingPoints {
  /** Threshold of point k: trials with score <= threshold are rejected (-Infinity = accept all). */
  readonly thresholds: Float64Array;
  readonly pmiss: Float64Array;
  readonly pfa: Float64Array;
}

/** Miss and false-alarm rates at every achievable threshold (ties move together). */
export function operatingPoints(split: ScoreSplit): OperatingPoints {
  const g = groupScores(split);
  const m = g.values.length;
  const thresholds = new Float64Array(m + 1), pmiss = new Float64Array(m + 1), pfa = new Float64Array(m + 1);
  thresholds[0] = -Infinity;
  pfa[0] = 1;
  let ct = 0, cn = 0;
  for (let k = 0; k < m; k++) {
    ct += g.nTar[k];
    cn += g.nNon[k];
    thresholds[k + 1] = g.values[k];
    pmiss[k + 1] = ct / g.totalTar;
    pfa[k + 1] = (g.totalNon - cn) / g.totalNon; // exact count ratio, no 1 - x rounding
  }
  pfa[m] = 0;
  pmiss[m] = 1;
  return { thresholds, pmiss, pfa };
}

/** EER with the score threshold it is reached at. */
export interface EerResult {
  readonly eer: number;
  readonly threshold: number;
}

/**
 * NIST-interpolated EER exactly as WeSpeaker's `compute_eer`: find the first sweep point where
 * Pmiss >= Pfa and the one before it, and intersect the straight line through them with Pmiss = Pfa.
 * The threshold reported is the score at that first point (WeSpeaker's `score_sort[x1]`).
 */
export function eerNist(split: ScoreSplit): EerResult {
  return eerOfPoints(operatingPoints(split));
}

/** {@link eerNist} on operating points already computed (no second sort of the scores). */
export function eerOfPoints({ thresholds, pmiss, pfa }: OperatingPoints): EerResult {
  let x1 = 0;
  while (x1 < pmiss.length && pmiss[x1] - pfa[x1] < 0) x1++;
  if (x1 === 0) return { eer: pmiss[0], threshold: thresholds[1] }; // unreachable: point 0 has Pmiss 0, Pfa 1
  const x2 = x1 - 1;
  const den = pfa[x2] - pfa[x1] - (pmiss[x2] - pmiss[x1]);
  const a = den === 0 ? 0 : (pmiss[x1] - pfa[x1]) / den;
  return { eer: pmiss[x1] + a * (pmiss[x2] - pmiss[x1]), threshold: thresholds[x1] };
}

/** Pool-adjacent-violators on weighted blocks; returns the fitted value per input block. */
export function pav(y: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const n = y.length;
  const val = new Float64Array(n), wt = new Float64Array(n), len = new Int32Array(n);
  let top = -1;
  for (let i = 0; i < n; i++) {
    top++;
    val[top] = y[i];
    wt[top] = w[i];
    len[top] = 1;
    while (top > 0 && val[top - 1] >= val[top]) {
      const ww = wt[top - 1] + wt[top];
      val[top - 1] = (val[top - 1] * wt[top - 1] + val[top] * wt[top]) / ww;
      wt[top - 1] = ww;
      len[top - 1] += len[top];
      top--;
    }
  }
  const out = new Float64Array(n);
  let p = 0;
  for (let b = 0; b <= top; b++) for (let k = 0; k < len[b]; k++) out[p++] = val[b];
  return out;
}

/** PAV fit of P(target | score) per distinct score value (ties pooled). */
function pavPosteriors(g: ScoreGroups): Float64Array {
  const m = g.values.length;
  const y = new Float64Array(m), w = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    w[k] = g.nTar[k] + g.nNon[k];
    y[k] = g.nTar[k] / w[k];
  }
  return pav(y, w);
}

/**
 * ROC convex hull points (BOSARIS `rocch`): Pmiss/Pfa at the boundaries of the PAV bins, from
 * "accept all" (0, 1) to "reject all" (1, 0).
 */
export function rocch(split: ScoreSplit): { pmiss: Float64Array; pfa: Float64Array } {
  const g = groupScores(split);
  const p = pavPosteriors(g);
  const pm: number[] = [0], pf: number[] = [1];
  let ct = 0, cn = 0;
  for (let k = 0; k < p.length; k++) {
    ct += g.nTar[k];
    cn += g.nNon[k];
    if (k === p.length - 1 || p[k + 1] !== p[k]) {
      pm.push(ct / g.totalTar);
      pf.push((g.totalNon - cn) / g.totalNon);
    }
  }
  return { pmiss: Float64Array.from(pm), pfa: Float64Array.from(pf) };
}

/** EER of the ROC convex hull (BOSARIS `rocch2eer`): the hull's crossing of Pmiss = Pfa. */
export function eerRocch(split: ScoreSplit): number {
  const { pmiss, pfa } = rocch(split);
  let eer = 0;
  for (let i = 0; i + 1 < pfa.length; i++) {
    const x0 = pfa[i], x1 = pfa[i + 1], y0 = pmiss[i], y1 = pmiss[i + 1];
    let seg: number;
    // BOSARIS `dd = [1,-1]*XY`: a horizontal or vertical segment contributes no candidate. A hull
    // vertex ON the diagonal is not such a case: the lines through it cross x = y at the vertex itself.
    if (x0 === x1 || y0 === y1) seg = 0;
    else {
      // line a*x + b*y = 1 through both points; its crossing of x = y is at 1 / (a + b).
      const det = x0 * y1 - x1 * y0;
      if (det === 0) seg = 0;
      else {
        const a = (y1 - y0) / det, b = (x0 - x1) / det;
        seg = 1 / (a + b);
      }
    }
    eer = Math.max(eer, seg);
  }
  return eer;
}

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

/** log(1 + exp(x)) without overflow. */
export function softplus(x: number): number {
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return 0;
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Cllr in bits (BOSARIS): 0.5 * (mean log2(1+e^-llr) over targets + mean log2(1+e^llr) over non-targets). */
export function cllr(split: ScoreSplit): number {
  // compensated means (core/scoring/sums.ts): all-zero llrs give exactly 1, as numpy's and hyperion's tests expect
  const ct = exactMean(split.tar, (s) => softplus(-s)), cn = exactMean(split.non, softplus);
  return (0.5 * (ct + cn)) / Math.LN2;
}

/** The PAV-optimal llr of every trial (ties share one value); may be +-Infinity at the extremes. */
export function optimalLlrs(split: ScoreSplit): ScoreSplit {
  const g = groupScores(split);
  const p = pavPosteriors(g);
  // llr of a PAV block from its integer counts: log((tar * N) / (non * T)); exactly 0 when the block's
  // target rate equals the prior (all-tied scores), where log(p) - log(1-p) - log(T/N) leaves ~1e-16
  const llrOf = new Map<number, number>();
  for (let a = 0; a < p.length;) {
    let b = a, tar = 0, non = 0;
    while (b < p.length && p[b] === p[a]) {
      tar += g.nTar[b];
      non += g.nNon[b++];
    }
    const llr = Math.log((tar * g.totalNon) / (non * g.totalTar));
    for (let k = a; k < b; k++) llrOf.set(g.values[k], llr);
    a = b;
  }
  return {
    tar: split.tar.map((s) => llrOf.get(s)!),
    non: split.non.map((s) => llrOf.get(s)!),
  };
}

/** minCllr: Cllr after the optimal monotonic (PAV) calibration; discrimination loss only. */
export function minCllr(split: ScoreSplit): number {
  return cllr(optimalLlrs(split));
}

/** Inverse of the standard normal CDF (Acklam's rational approximation + one Halley step). */
export function probit(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.357751867269,
    -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley refinement step brings the error to ~1e-15.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function to ~1e-15 relative: Maclaurin series of erf below 2, Lentz continued fraction above. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 2) {
    // erf series: erf(z) = 2/sqrt(pi) * sum (-1)^n z^(2n+1) / (n! (2n+1))
    let term = z, sum = z;
    for (let n = 1; n < 60; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Continued fraction (Lentz) for erfc, accurate for z >= 2.
    const tiny = 1e-300;
    let f = z, C = z, D = 0;
    for (let n = 1; n < 200; n++) {
      const an = n / 2;
      D = z + an * D;
      D = D === 0 ? tiny : 1 / D;
      C = z + an / C;
      if (C === 0) C = tiny;
      const delta = C * D;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }
  return x >= 0 ? r : 2 - r;
}

/** DET curve: operating points plus their probit (normal deviate) coordinates. */
export interface DetCurve extends OperatingPoints {
  readonly xProbit: Float64Array;
  readonly yProbit: Float64Array;
}

/** DET curve points at every achievable threshold (x = Pfa, y = Pmiss) and their probit coordinates. */
export function detCurve(split: ScoreSplit): DetCurve {
  const pts = operatingPoints(split);
  return { ...pts, xProbit: pts.pfa.map(probit), yProbit: pts.pmiss.map(probit) };
}
