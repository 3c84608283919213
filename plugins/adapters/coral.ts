/**
 * CORAL (Sun, Feng & Saenko 2016, "Return of frustratingly easy domain adaptation"; for speaker
 * embeddings Alam et al. 2018): re-colours source embeddings with the target covariance,
 * x' = (x − μ_s) · C_s^{-1/2} · C_t^{1/2} + μ_t, with C = sample covariance + ε·I and
 * ε = regularization × mean variance. `center: false` gives the paper's plain x · C_s^{-1/2} C_t^{1/2}.
 * `fit(source, target)`: both sets are needed (the second argument is the in-domain set).
 * @module
 */
import type { Adapter, AdapterData } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import { eigh } from "../../core/math/eigh.ts";

function meanCov(x: Matrix, reg: number): { mean: Float64Array; cov: Float64Array } {
  const { rows: n, cols: d } = x;
  if (n < 2) throw new RangeError(`coral: needs at least 2 embeddings per domain, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x.data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) r[j] = x.data[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = r[a];
      for (let b = a; b < d; b++) cov[a * d + b] += ra * r[b];
    }
  }
  let tr = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) cov[a * d + b] = cov[b * d + a] = cov[a * d + b] / (n - 1);
    tr += cov[a * d + a];
  }
  const eps = reg * (tr / d || 1);
  for (let a = 0; a < d; a++) cov[a * d + a] += eps;
  return { mean, cov };
}

/** C^p for a symmetric positive-definite C (p = ±1/2). */
function symPow(c: Float64Array, d: number, p: number): Float64Array {
  const { values, vectors } = eigh(c, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const lam = Math.max(values[k], 1e-12) ** p;
    for (let a = 0; a < d; a++) {
      const va = vectors![a * d + k] * lam;
      for (let b = 0; b < d; b++) out[a * d + b] += va * vectors![b * d + k];
    }
  }
  return out;
}

/** `coral` adapter plugin. */
export const coralAdapter = definePlugin({
  kind: "adapter",
  name: "coral",
  description: "CORAL: whiten with the source covariance, re-colour with the target covariance",
  module: import.meta.url,
  options: {
    regularization: opt.number(
      0.01,
      "diagonal loading epsilon = regularization x mean variance (keeps C invertible)",
      { min: 0 },
    ),
    center: opt.boolean(
      true,
      "subtract the source mean and add the target mean (false = the paper's plain linear map)",
    ),
  },
  create(c): Adapter {
    let A: Float64Array | null = null, ms: Float64Array | null = null, mt: Float64Array | null = null;
    let d = 0;
    return {
      fit(source: AdapterData, target?: AdapterData) {
        if (!target) {
          throw new RangeError(
            "coral: fit(source, target) needs the target (in-domain) embeddings as the second argument",
          );
        }
        if (source.x.cols !== target.x.cols) {
          throw new RangeError(`coral: source dim ${source.x.cols} != target dim ${target.x.cols}`);
        }
        assertFinite(source.x, "coral source embeddings");
        assertFinite(target.x, "coral target embeddings");
        d = source.x.cols;
        const s = meanCov(source.x, c.regularization), t = meanCov(target.x, c.regularization);
        const ws = symPow(s.cov, d, -0.5), ct = symPow(t.cov, d, 0.5);
        A = new Float64Array(d * d);
        for (let i = 0; i < d; i++) {
          for (let k = 0; k < d; k++) {
            const v = ws[i * d + k];
            for (let j = 0; j < d; j++) A[i * d + j] += v * ct[k * d + j];
          }
        }
        ms = s.mean;
        mt = t.mean;
      },
      transform(x: Matrix): Matrix {
        if (!A) throw new Error("coral: call fit() before transform()");
        if (x.cols !== d) throw new RangeError(`coral: embeddings have dim ${x.cols}, fitted on ${d}`);
        const out = new Float32Array(x.rows * d);
        const r = new Float64Array(d), o = new Float64Array(d);
        for (let i = 0; i < x.rows; i++) {
          for (let j = 0; j < d; j++) r[j] = x.data[i * d + j] - (c.center ? ms![j] : 0);
          o.fill(0);
          for (let k = 0; k < d; k++) {
            const v = r[k];
            for (let j = 0; j < d; j++) o[j] += v * A[k * d + j];
          }
          for (let j = 0; j < d; j++) out[i * d + j] = o[j] + (c.center ? mt![j] : 0);
        }
        return { rows: x.rows, cols: d, data: out };
      },
      state: () => ({ dim: d, map: A ? Array.from(A) : null }),
    };
  },
});
