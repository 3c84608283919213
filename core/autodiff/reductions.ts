/**
 * Differentiable reductions: sum and mean over axes, max, softmax, log-softmax and log-sum-exp along the
 * last axis (max-shifted for stability), and the cross-entropy built from them.
 * @module
 */
import { numel, result, type Tensor } from "./tensor.ts";
import { broadcastIndex } from "./broadcast.ts";
import { neg, scale } from "./elementwise.ts";
import { pick } from "./shape_ops.ts";

function keptShape(shape: readonly number[], axes: number[] | undefined): number[] {
  if (!axes) return shape.map(() => 1);
  const ax = axes.map((a) => (a < 0 ? shape.length + a : a));
  return shape.map((s, i) => (ax.includes(i) ? 1 : s));
}

function dropAxes(shape: readonly number[], axes: number[] | undefined): number[] {
  if (!axes) return [];
  const ax = axes.map((a) => (a < 0 ? shape.length + a : a));
  return shape.filter((_, i) => !ax.includes(i));
}

/** Sum over `axes` (all when omitted). */
export function sum(a: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const ax = typeof axes === "number" ? [axes] : axes;
  const kept = keptShape(a.shape, ax);
  const m = numel(kept), n = a.size;
  const out = new Float32Array(m);
  let idx: Int32Array | null = null;
  if (m === 1) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a.data[i];
    out[0] = s;
  } else {
    idx = broadcastIndex(a.shape, kept);
    const acc = new Float64Array(m);
    for (let i = 0; i < n; i++) acc[idx[i]] += a.data[i];
    out.set(acc);
  }
  const shape = keepdim ? kept : dropAxes(a.shape, ax);
  return result(out, shape, [a], (g) => {
    const ga = a.gradBuf();
    if (!idx) { for (let i = 0; i < n; i++) ga[i] += g[0]; }
    else for (let i = 0; i < n; i++) ga[i] += g[idx[i]];
  });
}

/** Mean over `axes` (all when omitted). */
export function mean(a: Tensor, axes?: number | number[], keepdim = false): Tensor {
  const s = sum(a, axes, keepdim);
  return scale(s, s.size / a.size);
}

/** Max along the last axis; the gradient goes to the (first) arg-max. */
export function maxLast(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(R), arg = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    let best = -Infinity, bi = 0;
    for (let c = 0; c < C; c++) {
      const v = a.data[r * C + c];
      if (v > best) [best, bi] = [v, c];
    }
    out[r] = best;
    arg[r] = r * C + bi;
  }
  return result(out, a.shape.slice(0, -1), [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) ga[arg[r]] += g[r];
  });
}

/** max of x[o .. o + C). */
function rowMax(x: Float32Array, o: number, C: number): number {
  let mx = -Infinity;
  for (let c = 0; c < C; c++) mx = Math.max(mx, x[o + c]);
  return mx;
}

/** log Σ exp of x[o .. o + C), shifted by the row max for stability. */
function rowLogSumExp(x: Float32Array, o: number, C: number): number {
  const mx = rowMax(x, o, C);
  let s = 0;
  for (let c = 0; c < C; c++) s += Math.exp(x[o + c] - mx);
  return mx + Math.log(s);
}

/** Softmax along the last axis. */
export function softmax(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(a.size);
  for (let r = 0; r < R; r++) {
    const o = r * C, mx = rowMax(a.data, o, C);
    let s = 0;
    for (let c = 0; c < C; c++) s += out[o + c] = Math.exp(a.data[o + c] - mx);
    for (let c = 0; c < C; c++) out[o + c] /= s;
  }
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let dot = 0;
      for (let c = 0; c < C; c++) dot += g[o + c] * out[o + c];
      for (let c = 0; c < C; c++) ga[o + c] += out[o + c] * (g[o + c] - dot);
    }
  });
}

/** log-softmax along the last axis (stable). */
export function logSoftmax(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(a.size);
  for (let r = 0; r < R; r++) {
    const o = r * C, lse = rowLogSumExp(a.data, o, C);
    for (let c = 0; c < C; c++) out[o + c] = a.data[o + c] - lse;
  }
  return result(out, a.shape, [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let gs = 0;
      for (let c = 0; c < C; c++) gs += g[o + c];
      for (let c = 0; c < C; c++) ga[o + c] += g[o + c] - Math.exp(out[o + c]) * gs;
    }
  });
}

/** log Σ exp along the last axis (stable), dropping that axis. */
export function logSumExp(a: Tensor): Tensor {
  const C = a.shape[a.shape.length - 1], R = a.size / C;
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    out[r] = rowLogSumExp(a.data, r * C, C);
  }
  return result(out, a.shape.slice(0, -1), [a], (g) => {
    const ga = a.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      for (let c = 0; c < C; c++) ga[o + c] += g[r] * Math.exp(a.data[o + c] - out[r]);
    }
  });
}

/** Mean cross-entropy of logits [B, C] against integer labels. */
export function crossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  return neg(mean(pick(logSoftmax(logits), labels)));
}
