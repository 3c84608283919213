/**
 * Verification trials as scores split by label (target / non-target), grouped by tied value, and the
 * threshold sweep over them. Convention: a threshold `u` rejects every trial with score <= u and
 * accepts every trial with score > u; operating points are taken only at achievable thresholds (after
 * each distinct score, plus "accept all" and "reject all"), which on tie-free scores is WeSpeaker's
 * `compute_pmiss_pfa_rbst` sweep.
 * @module
 */
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
