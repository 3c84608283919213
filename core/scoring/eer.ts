/**
 * Equal error rates: NIST-interpolated (as WeSpeaker's `score_metrics.py`) and on the ROC convex hull
 * (BOSARIS `rocch`, `rocch2eer`), and DET curve points with their probit coordinates.
 * @module
 */
import { groupScores, type OperatingPoints, operatingPoints, type ScoreSplit } from "./score_split.ts";
import { pavPosteriors } from "./pav.ts";
import { probit } from "./normal_quantile.ts";

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
