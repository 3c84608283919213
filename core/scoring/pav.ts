/**
 * Pool-adjacent-violators (isotonic regression, as BOSARIS' `pavx`), and the PAV fit of P(target | score)
 * per distinct score value that ROCCH EER and minCllr are built on.
 * @module
 */
import type { ScoreGroups } from "./score_split.ts";

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
export function pavPosteriors(g: ScoreGroups): Float64Array {
  const m = g.values.length;
  const y = new Float64Array(m), w = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    w[k] = g.nTar[k] + g.nNon[k];
    y[k] = g.nTar[k] / w[k];
  }
  return pav(y, w);
}
