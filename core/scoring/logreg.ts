/**
 * Prior-weighted logistic regression for score calibration and linear fusion (BOSARIS
 * `train_llr_fusion`): find w, b minimising
 *
 *   P * mean_tar softplus(-(w.s + b + logit P)) + (1 - P) * mean_non softplus(w.s + b + logit P)
 *     + (lambda / 2) * |w|^2
 *
 * so that w.s + b is a log-likelihood ratio. Solved by Newton's method with backtracking (the problem
 * is convex and has a handful of parameters), in float64.
 * @module
 */
import { softplus } from "./metrics.ts";
import { cholesky } from "./linalg.ts";

/** Training options. */
export interface LogregOptions {
  /** Effective target prior P the objective is weighted for (BOSARIS default 0.5). */
  readonly prior: number;
  /** L2 penalty on the weights (not the offset); > 0 keeps separable data finite. */
  readonly regularization: number;
  readonly maxIterations: number;
  /** Stop when the Newton decrement falls below this. */
  readonly tolerance: number;
}

/** A trained linear map: llr = sum_k weights[k] * s_k + offset. */
export interface LinearCalibration {
  readonly weights: number[];
  readonly offset: number;
  readonly iterations: number;
  /** Final objective in bits (the prior-weighted Cllr of the training set plus penalty / ln 2). */
  readonly objective: number;
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Solves A x = y for a small symmetric positive-definite A (Cholesky); returns null when not SPD. */
function solveSpd(a: Float64Array, y: Float64Array, n: number): Float64Array | null {
  let l: Float64Array;
  try {
    l = cholesky(a, n);
  } catch {
    return null; // not positive definite
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * z[k];
    z[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * z[k];
    z[i] = s / l[i * n + i];
  }
  return z;
}

/**
 * Trains the fusion weights. `systems[s][t]` is system s's score of trial t; labels 1/0 (others are
 * skipped). Throws when a class is empty, the lengths differ, or Newton does not converge (separable
 * data without regularisation).
 */
export function trainLogreg(
  systems: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  opts: LogregOptions,
  what = "calibration",
): LinearCalibration {
  const S = systems.length;
  if (S === 0) throw new RangeError(`${what}: needs at least one system's scores`);
  const n = labels.length;
  systems.forEach((s, k) => {
    if (s.length !== n) {
      throw new RangeError(`${what}: system ${k} has ${s.length} scores but there are ${n} labels`);
    }
  });
  const tarIdx: number[] = [], nonIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < S; k++) {
      if (!Number.isFinite(systems[k][i])) {
        throw new RangeError(`${what}: system ${k} score ${i} is ${systems[k][i]}`);
      }
    }
    if (labels[i] === 1) tarIdx.push(i);
    else if (labels[i] === 0) nonIdx.push(i);
  }
  if (!tarIdx.length || !nonIdx.length) {
    throw new RangeError(
      `${what}: training needs target and non-target trials (got ${tarIdx.length} and ${nonIdx.length})`,
    );
  }
  const P = opts.prior, lp = Math.log(P / (1 - P));
  const wt = P / tarIdx.length, wn = (1 - P) / nonIdx.length;
  const D = S + 1; // weights then offset
  const theta = new Float64Array(D);
  const lam = opts.regularization;
  const x = (i: number, k: number) => (k < S ? systems[k][i] : 1);
  const objective = (th: Float64Array) => {
    let f = 0;
    for (const i of tarIdx) {
      let z = lp;
      for (let k = 0; k < D; k++) z += th[k] * x(i, k);
      f += wt * softplus(-z);
    }
    for (const i of nonIdx) {
      let z = lp;
      for (let k = 0; k < D; k++) z += th[k] * x(i, k);
      f += wn * softplus(z);
    }
    for (let k = 0; k < S; k++) f += 0.5 * lam * th[k] * th[k];
    return f;
  };
  let f = objective(theta);
  let it = 0, singular = false;
  for (; it < opts.maxIterations; it++) {
    const g = new Float64Array(D), h = new Float64Array(D * D);
    const acc = (i: number, y: number, w: number) => {
      let z = lp;
      for (let k = 0; k < D; k++) z += theta[k] * x(i, k);
      const p = sigmoid(z);
      const r = w * (p - y), c = w * p * (1 - p);
      for (let a = 0; a < D; a++) {
        const xa = x(i, a);
        g[a] += r * xa;
        for (let b = 0; b <= a; b++) h[a * D + b] += c * xa * x(i, b);
      }
    };
    for (const i of tarIdx) acc(i, 1, wt);
    for (const i of nonIdx) acc(i, 0, wn);
    for (let k = 0; k < S; k++) {
      g[k] += lam * theta[k];
      h[k * D + k] += lam;
    }
    for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) h[b * D + a] = h[a * D + b];
    const step = solveSpd(h, g, D);
    if (!step) {
      singular = true;
      break;
    }
    let dec = 0;
    for (let k = 0; k < D; k++) dec += g[k] * step[k];
    if (dec / 2 < opts.tolerance) break;
    let t = 1;
    const trial = new Float64Array(D);
    for (;;) {
      for (let k = 0; k < D; k++) trial[k] = theta[k] - t * step[k];
      const ft = objective(trial);
      if (ft <= f - 0.25 * t * dec || t < 1e-10) {
        theta.set(trial);
        f = ft;
        break;
      }
      t /= 2;
    }
  }
  // Separable training data has no finite optimum: Newton walks off with ever larger weights while the
  // objective sinks towards 0, so a near-zero objective without penalty means "separable".
  if (it >= opts.maxIterations || (lam === 0 && f / Math.LN2 < 1e-9)) {
    throw new RangeError(
      `${what}: logistic regression has no finite optimum or did not converge in ${opts.maxIterations} iterations (are the classes separable?); raise 'regularization' (e.g. 1e-3)`,
    );
  }
  // A singular Hessian leaves no Newton step: stopping there would return an unconverged model.
  if (singular) {
    throw new RangeError(
      `${what}: logistic regression is degenerate (singular Hessian at iteration ${it}): a system's scores are constant or several systems are collinear; drop the duplicate system or raise 'regularization' (e.g. 1e-3)`,
    );
  }
  return {
    weights: Array.from(theta.subarray(0, S)),
    offset: theta[S],
    iterations: it,
    objective: f / Math.LN2,
  };
}

/** Applies a trained map: llr[t] = sum_k w_k * systems[k][t] + offset. */
export function applyLinear(
  cal: { weights: readonly number[]; offset: number },
  systems: readonly ArrayLike<number>[],
  what = "calibration",
): Float32Array {
  if (systems.length !== cal.weights.length) {
    throw new RangeError(`${what}: trained on ${cal.weights.length} system(s) but given ${systems.length}`);
  }
  const n = systems[0].length;
  systems.forEach((s, k) => {
    if (s.length !== n) {
      throw new RangeError(`${what}: system ${k} has ${s.length} scores, system 0 has ${n}`);
    }
  });
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = cal.offset;
    for (let k = 0; k < systems.length; k++) z += cal.weights[k] * systems[k][i];
    out[i] = z;
  }
  return out;
}
