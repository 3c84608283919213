/**
 * Per-channel ops on [B, C, ...] tensors (any number of trailing axes: time, or frequency x time) for
 * ResNet and ECAPA-TDNN: batch norm with an optional ReLU after it (ResNet's conv → BN → ReLU order;
 * the TDNN's ReLU-then-BN fused op is in layers_ops.ts), the mean over the trailing axes (the squeeze
 * of squeeze-and-excitation), a per-channel scale (its excitation), and statistics pooling over time
 * with the biased or unbiased variance (WeSpeaker's TSTP: sqrt(unbiased var + 1e-7)).
 * @module
 */
import { result, type Tensor } from "./tensor.ts";
import { bnApply, bnBackward, bnStatistics, reluInPlace } from "./bn_kernels.ts";
import type { RunningStats } from "./layers_ops.ts";
import { scratch } from "./scratch.ts";

function channelGeometry(x: Tensor, op: string): { B: number; C: number; L: number } {
  if (x.shape.length < 2) throw new RangeError(`${op}: expects [B, C, ...], got [${x.shape}]`);
  const B = x.shape[0], C = x.shape[1];
  return { B, C, L: B * C ? x.size / (B * C) : 0 };
}

/**
 * Batch normalisation over channel axis 1 of [B, C, ...] (statistics over the batch and every
 * trailing axis, as BatchNorm1d/2d), then ReLU when `relu`. Training uses the batch statistics
 * (biased variance) and moves `running` (unbiased, momentum as PyTorch); eval uses `running`.
 */
export function batchNormNd(
  x: Tensor,
  gamma: Tensor | undefined,
  beta: Tensor | undefined,
  running: RunningStats,
  training: boolean,
  o: { relu?: boolean; momentum?: number; eps?: number } = {},
): Tensor {
  const geo = channelGeometry(x, "batchNorm");
  if (running.mean.length !== geo.C) {
    throw new RangeError(`batchNorm: ${geo.C} channels, layer built for ${running.mean.length}`);
  }
  if (training && geo.B * geo.L < 2) {
    throw new RangeError("batchNorm: training needs more than one value per channel (batch size >= 2)");
  }
  const { mu, invstd } = bnStatistics(x.data, geo, running, training, o.momentum ?? 0.1, o.eps ?? 1e-5);
  const out = new Float32Array(x.size);
  bnApply(x.data, geo, mu, invstd, gamma?.data, beta?.data, out);
  if (o.relu) reluInPlace(out);
  const parents = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return result(out, x.shape, parents, (g) => {
    let gin = g;
    if (o.relu) {
      gin = scratch("bnrelu.g", g.length);
      for (let i = 0; i < g.length; i++) gin[i] = g[i] * +(out[i] > 0);
    }
    bnBackward(
      gin,
      x.data,
      geo,
      mu,
      invstd,
      gamma?.data,
      training,
      false,
      gamma?.requiresGrad ? gamma.gradBuf() : null,
      beta?.requiresGrad ? beta.gradBuf() : null,
      x.requiresGrad ? x.gradBuf() : null,
    );
  });
}

/** Mean over every axis after the channel axis: [B, C, ...] -> [B, C]. */
export function channelMean(x: Tensor): Tensor {
  const { B, C, L } = channelGeometry(x, "channelMean");
  const out = new Float32Array(B * C), xd = x.data;
  for (let i = 0; i < B * C; i++) {
    let s = 0;
    for (let l = 0, o = i * L; l < L; l++) s += xd[o + l];
    out[i] = s / L;
  }
  return result(out, [B, C], [x], (g) => {
    const gx = x.gradBuf();
    for (let i = 0; i < B * C; i++) {
      const v = g[i] / L;
      for (let l = 0, o = i * L; l < L; l++) gx[o + l] += v;
    }
  });
}

/** y[b, c, ...] = x[b, c, ...] · s[b, c] (squeeze-and-excitation's rescaling). */
export function channelScale(x: Tensor, s: Tensor): Tensor {
  const { B, C, L } = channelGeometry(x, "channelScale");
  if (s.size !== B * C) throw new RangeError(`channelScale: scale [${s.shape}] does not match [${B}, ${C}]`);
  const out = new Float32Array(x.size), xd = x.data, sd = s.data;
  for (let i = 0; i < B * C; i++) {
    const v = sd[i];
    for (let l = 0, o = i * L; l < L; l++) out[o + l] = xd[o + l] * v;
  }
  return result(out, x.shape, [x, s], (g) => {
    const gx = x.requiresGrad ? x.gradBuf() : null, gs = s.requiresGrad ? s.gradBuf() : null;
    for (let i = 0; i < B * C; i++) {
      const v = sd[i];
      let acc = 0;
      for (let l = 0, o = i * L; l < L; l++) {
        if (gx) gx[o + l] += g[o + l] * v;
        acc += g[o + l] * xd[o + l];
      }
      if (gs) gs[i] += acc;
    }
  });
}

/**
 * Mean and standard deviation over the last axis of [B, C, T]: [B, 2C] = [mean; sqrt(var + eps)],
 * var unbiased (÷ (T − 1), torch.var's default, WeSpeaker's TSTP) or biased (÷ T, Kaldi x-vector).
 */
export function meanStdPool(x: Tensor, o: { unbiased?: boolean; eps?: number } = {}): Tensor {
  if (x.shape.length !== 3) throw new RangeError(`meanStdPool: expects [B, C, T], got [${x.shape}]`);
  const [B, C, T] = x.shape, xd = x.data, eps = o.eps ?? 1e-7;
  const den = o.unbiased ?? true ? T - 1 : T;
  if (den <= 0) throw new RangeError(`meanStdPool: the unbiased variance needs T >= 2, got ${T}`);
  const out = new Float32Array(B * 2 * C), mu = new Float64Array(B * C), sd = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const off = (b * C + c) * T;
      let m = 0;
      for (let t = 0; t < T; t++) m += xd[off + t];
      m /= T;
      let v = 0;
      for (let t = 0; t < T; t++) {
        const e = xd[off + t] - m;
        v += e * e;
      }
      const s = Math.sqrt(v / den + eps);
      mu[b * C + c] = m;
      sd[b * C + c] = s;
      out[b * 2 * C + c] = m;
      out[b * 2 * C + C + c] = s;
    }
  }
  return result(out, [B, 2 * C], [x], (g) => {
    // d mean/dx = 1/T; d sd/dx = (x − mean) / (den · sd)
    const gx = x.gradBuf();
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const off = (b * C + c) * T, m = mu[b * C + c];
        const gm = g[b * 2 * C + c] / T, gs = g[b * 2 * C + C + c] / (den * sd[b * C + c]);
        for (let t = 0; t < T; t++) gx[off + t] += gm + gs * (xd[off + t] - m);
      }
    }
  });
}

/** [B, C] -> [B, C, T]: each value repeated along a new last axis (the gradient sums over it). */
export function expandLast(x: Tensor, T: number): Tensor {
  if (x.shape.length !== 2) throw new RangeError(`expandLast: expects [B, C], got [${x.shape}]`);
  const n = x.size, out = new Float32Array(n * T), xd = x.data;
  for (let i = 0; i < n; i++) out.fill(xd[i], i * T, (i + 1) * T);
  return result(out, [...x.shape, T], [x], (g) => {
    const gx = x.gradBuf();
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0, o = i * T; t < T; t++) s += g[o + t];
      gx[i] += s;
    }
  });
}
