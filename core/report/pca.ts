/**
 * Principal-component projection to 2-D for the report's embedding scatter.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { Rng } from "../random.ts";

/**
 * Projects rows onto the top `k` principal components (power iteration with deflation on the
 * covariance; deterministic for a given seed). Returns row-major [rows x k] and the explained variance.
 */
export function pcaProject(
  x: Matrix,
  k = 2,
  seed = 0,
): { points: Float64Array; variance: number[]; total: number } {
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j] / n;
  const c = new Float64Array(d * d);
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) r[j] = data[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = r[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) c[a * d + b] += ra * r[b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) c[b * d + a] = c[a * d + b] /= Math.max(1, n - 1);
  let total = 0;
  for (let a = 0; a < d; a++) total += c[a * d + a];
  const rng = new Rng(seed);
  const comps: Float64Array[] = [];
  const variance: number[] = [];
  const kk = Math.min(k, d);
  for (let q = 0; q < kk; q++) {
    let v = Float64Array.from({ length: d }, () => rng.normal());
    let lambda = 0;
    for (let it = 0; it < 300; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += c[a * d + b] * v[b];
        w[a] = s;
      }
      for (const u of comps) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += w[a] * u[a];
        for (let a = 0; a < d; a++) w[a] -= dot * u[a];
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      let diff = 0;
      for (let a = 0; a < d; a++) {
        w[a] /= norm;
        diff = Math.max(diff, Math.abs(w[a] - v[a]));
      }
      v = w;
      lambda = norm;
      if (diff < 1e-10) break;
    }
    // fix the sign so the picture does not flip between runs: largest-magnitude coordinate positive
    let big = 0;
    for (let a = 0; a < d; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a;
    if (v[big] < 0) { for (let a = 0; a < d; a++) v[a] = -v[a]; }
    comps.push(v);
    variance.push(lambda);
  }
  const points = new Float64Array(n * kk);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < kk; q++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) * comps[q][j];
      points[i * kk + q] = s;
    }
  }
  return { points, variance, total };
}
