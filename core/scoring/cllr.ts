/**
 * Log-likelihood-ratio cost: Cllr in bits (BOSARIS, prior 0.5) and minCllr, Cllr after the PAV-optimal
 * monotonic map with tied scores pooled into one PAV block (BOSARIS' `optimal_llr` can split ties;
 * pooling is the achievable optimum).
 * @module
 */
import { exactMean } from "./sums.ts";
import { groupScores, type ScoreSplit } from "./score_split.ts";
import { pavPosteriors } from "./pav.ts";

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
