/**
 * Batch-norm passes on raw [B, C, L] buffers (statistics per channel C), shared by batchNorm,
 * the fused ReLU + batch norm and the fused conv + ReLU + batch norm ops. Loops are branch-free
 * where the data decides (ReLU masks): with random signs a branch mispredicts half the time, which
 * made a ReLU pass 6x slower than a copy.
 * @module
 */
import type { RunningStats } from "./layers_ops.ts";

/** Shape of a batch-norm input: [B, C, L] (L = 1 for [B, C]). */
export interface BnGeometry {
  B: number;
  C: number;
  L: number;
}

/** In place: a = max(a, 0), with -0, negative infinities and negative NaNs becoming +0 (sign-bit mask). */
export function reluInPlace(a: Float32Array): void {
  const bits = new Int32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < bits.length; i++) {
    const v = bits[i];
    bits[i] = v & ~(v >> 31);
  }
}

/**
 * Per-channel mean and 1/sqrt(var + eps): batch statistics (two-pass, float64; biased variance)
 * in training mode, which also move `running` (unbiased variance, as PyTorch); `running` in eval mode.
 */
export function bnStatistics(
  a: Float32Array,
  { B, C, L }: BnGeometry,
  running: RunningStats,
  training: boolean,
  momentum: number,
  eps: number,
): { mu: Float64Array; invstd: Float64Array } {
  const N = B * L, mu = new Float64Array(C), invstd = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    if (!training) {
      mu[c] = running.mean[c];
      invstd[c] = 1 / Math.sqrt(running.var[c] + eps);
      continue;
    }
    // two partial sums per pass: the loops are latency-bound on a single accumulator
    let m0 = 0, m1 = 0;
    for (let b = 0; b < B; b++) {
      const o = (b * C + c) * L;
      let l = 0;
      for (; l + 1 < L; l += 2) {
        m0 += a[o + l];
        m1 += a[o + l + 1];
      }
      if (l < L) m0 += a[o + l];
    }
    const m = (m0 + m1) / N;
    let v0 = 0, v1 = 0;
    for (let b = 0; b < B; b++) {
      const o = (b * C + c) * L;
      let l = 0;
      for (; l + 1 < L; l += 2) {
        const e0 = a[o + l] - m, e1 = a[o + l + 1] - m;
        v0 += e0 * e0;
        v1 += e1 * e1;
      }
      if (l < L) v0 += (a[o + l] - m) ** 2;
    }
    const v = v0 + v1;
    mu[c] = m;
    invstd[c] = 1 / Math.sqrt(v / N + eps);
    running.mean[c] = (1 - momentum) * running.mean[c] + momentum * m;
    running.var[c] = (1 - momentum) * running.var[c] + momentum * (v / (N - 1));
  }
  return { mu, invstd };
}

/** out = γ·(a − μ)·σ⁻¹ + β per channel. */
export function bnApply(
  a: Float32Array,
  { B, C, L }: BnGeometry,
  mu: Float64Array,
  invstd: Float64Array,
  gamma: Float32Array | undefined,
  beta: Float32Array | undefined,
  out: Float32Array,
): void {
  for (let c = 0; c < C; c++) {
    const m = mu[c], is = invstd[c], gm = gamma ? gamma[c] : 1, bt = beta ? beta[c] : 0;
    for (let b = 0; b < B; b++) {
      const o = (b * C + c) * L;
      for (let l = 0; l < L; l++) out[o + l] = gm * ((a[o + l] - m) * is) + bt;
    }
  }
}

/**
 * Backward of {@link bnApply} (after bnStatistics) for output gradient g: adds Σg·x̂ into gg and
 * Σg into gb, and the input gradient into gx (or writes it there when `overwrite`). Training:
 * dx = γσ⁻¹/N · (N g − Σg − x̂ Σg·x̂), i.e. c1·g + c2·(a − μ) + c3 per channel; eval: dx = γσ⁻¹·g.
 * With `reluMask` the input was relu(x) = a and dx is zeroed where a = 0 (as relu's backward).
 * `dxSum` (optional) receives the per-channel sum of dx, accumulated while dx is written: the bias
 * gradient of a preceding conv without another pass over dx.
 */
export function bnBackward(
  g: Float32Array,
  a: Float32Array,
  { B, C, L }: BnGeometry,
  mu: Float64Array,
  invstd: Float64Array,
  gamma: Float32Array | undefined,
  training: boolean,
  reluMask: boolean,
  gg: Float32Array | null,
  gb: Float32Array | null,
  gx: Float32Array | null,
  overwrite = false,
  dxSum: Float32Array | null = null,
): void {
  const N = B * L;
  for (let c = 0; c < C; c++) {
    const m = mu[c], is = invstd[c], gm = gamma ? gamma[c] : 1;
    // Σg and Σg·(a − μ), two partial sums each (the loop is latency-bound on one accumulator)
    let sg0 = 0, sg1 = 0, sh0 = 0, sh1 = 0;
    for (let b = 0; b < B; b++) {
      const o = (b * C + c) * L;
      let l = 0;
      for (; l + 1 < L; l += 2) {
        const g0 = g[o + l], g1 = g[o + l + 1];
        sg0 += g0;
        sg1 += g1;
        sh0 += g0 * (a[o + l] - m);
        sh1 += g1 * (a[o + l + 1] - m);
      }
      if (l < L) {
        sg0 += g[o + l];
        sh0 += g[o + l] * (a[o + l] - m);
      }
    }
    const sg = sg0 + sg1, sgh = (sh0 + sh1) * is;
    if (gg) gg[c] += sgh;
    if (gb) gb[c] += sg;
    if (!gx) continue;
    const c1 = gm * is,
      c2 = training ? -(gm * is / N) * sgh * is : 0,
      c3 = training ? -(gm * is / N) * sg : 0;
    let sum = 0; // Σ dx over the channel, for dxSum
    for (let b = 0; b < B; b++) {
      const o = (b * C + c) * L;
      if (reluMask && overwrite) {
        for (let l = 0; l < L; l++) {
          const av = a[o + l], v = (c1 * g[o + l] + c2 * (av - m) + c3) * +(av > 0);
          gx[o + l] = v;
          sum += v;
        }
      } else if (reluMask) {
        for (let l = 0; l < L; l++) {
          const av = a[o + l], v = (c1 * g[o + l] + c2 * (av - m) + c3) * +(av > 0);
          gx[o + l] += v;
          sum += v;
        }
      } else if (overwrite) {
        for (let l = 0; l < L; l++) {
          const v = c1 * g[o + l] + c2 * (a[o + l] - m) + c3;
          gx[o + l] = v;
          sum += v;
        }
      } else {
        for (let l = 0; l < L; l++) {
          const v = c1 * g[o + l] + c2 * (a[o + l] - m) + c3;
          gx[o + l] += v;
          sum += v;
        }
      }
    }
    if (dxSum) dxSum[c] += sum;
  }
}
