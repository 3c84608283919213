/**
 * Fused differentiable ops for layers: 1-d convolution, batch norm (alone, after a ReLU, or as
 * one conv → ReLU → batch norm TDNN block), statistics pooling, layer norm and dropout. Fused
 * because their composite forms would be several times slower.
 * @module
 */
import { result, type Tensor } from "./tensor.ts";
import { gemmNN, gemmNT, transpose2d, wasmWorthIt } from "./gemm.ts";
import { convForward, type ConvGeometry, convTapsBackward } from "./conv_taps.ts";
import { bnApply, bnBackward, type BnGeometry, bnStatistics, reluInPlace } from "./bn_kernels.ts";
import { releaseBuffer, scratch, takeBuffer } from "./scratch.ts";
import { meanStdPool } from "./channel_ops.ts";

/** Options of {@link conv1d}. */
export interface Conv1dOptions {
  stride?: number;
  dilation?: number;
  /** Zero padding on both sides. */
  padding?: number;
}

/** Output length of a 1-d convolution. */
export function convOutLength(T: number, K: number, o: Conv1dOptions = {}): number {
  const s = o.stride ?? 1, d = o.dilation ?? 1, p = o.padding ?? 0;
  return Math.floor((T + 2 * p - d * (K - 1) - 1) / s) + 1;
}

function convShape(x: Tensor, w: Tensor, o: Conv1dOptions, op: string): ConvGeometry & { s: number } {
  if (x.shape.length !== 3) {
    throw new RangeError(`${op}: input must be [batch, channels, time], got [${x.shape}]`);
  }
  const [B, Cin, T] = x.shape;
  const [Cout, Cin2, K] = w.shape;
  if (Cin !== Cin2) throw new RangeError(`${op}: input has ${Cin} channels, weight expects ${Cin2}`);
  const s = o.stride ?? 1, d = o.dilation ?? 1, p = o.padding ?? 0;
  const To = convOutLength(T, K, o);
  if (To <= 0) {
    throw new RangeError(`${op}: input length ${T} is too short for kernel ${K} with dilation ${d}`);
  }
  return { B, Cin, T, Cout, K, d, p, To, s };
}

/** Stride 1 and big enough to amortise the WASM kernel's copies: the tap formulation of conv_taps.ts. */
function useTaps(g: ConvGeometry & { s: number }): boolean {
  return g.s === 1 && wasmWorthIt(g.B * g.To * g.Cout * g.Cin * g.K);
}

/** y[b,co,t] = bias[co] + Σ_{ci,k} w[co,ci,k] · x[b, ci, t·stride + k·dilation - padding]. */
export function conv1d(x: Tensor, w: Tensor, bias: Tensor | undefined, o: Conv1dOptions = {}): Tensor {
  const geo = convShape(x, w, o, "conv1d");
  const { B, Cin, T, Cout, K, d, p, To, s } = geo;
  const parents = bias ? [x, w, bias] : [x, w];
  if (useTaps(geo)) {
    const out = new Float32Array(B * Cout * To);
    convForward(x.data, w.data, bias?.data, geo, out);
    return result(out, [B, Cout, To], parents, (g) => {
      convTapsBackward(
        g,
        x.data,
        w.data,
        geo,
        w.requiresGrad ? w.gradBuf() : null,
        bias?.requiresGrad ? bias.gradBuf() : null,
        x.requiresGrad ? x.gradBuf() : null,
      );
    });
  }
  const CK = Cin * K, BT = B * To;
  // Small or strided: im2col  // Small or strided: im2col, one row per output position: colsT[(b*To + t), (ci*K + k)] = x[b, ci, t*s + k*d - p]
  const colsT = new Float32Array(BT * CK);
  for (let b = 0; b < B; b++) {
    for (let ci = 0; ci < Cin; ci++) {
      const xb = (b * Cin + ci) * T;
      for (let k = 0; k < K; k++) {
        const col = ci * K + k, off = k * d - p;
        for (let t = 0; t < To; t++) {
          const ti = t * s + off;
          if (ti >= 0 && ti < T) colsT[(b * To + t) * CK + col] = x.data[xb + ti];
        }
      }
    }
  }
  const Y = new Float32Array(BT * Cout); // [BT, Cout] = colsT · Wᵀ
  gemmNT(BT, Cout, CK, colsT, w.data, Y, false);
  const out = new Float32Array(B * Cout * To);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < To; t++) {
      const yo = (b * To + t) * Cout;
      for (let co = 0; co < Cout; co++) {
        out[(b * Cout + co) * To + t] = Y[yo + co] + (bias ? bias.data[co] : 0);
      }
    }
  }
  return result(out, [B, Cout, To], parents, (g) => {
    if (w.requiresGrad || bias?.requiresGrad) {
      // Gt[co, b*To + t] = g[b, co, t]: dW = Gt · colsT, as Gt · (cols)ᵀ with cols = colsTᵀ
      const Gt = new Float32Array(Cout * BT);
      for (let b = 0; b < B; b++) {
        for (let co = 0; co < Cout; co++) {
          Gt.set(g.subarray((b * Cout + co) * To, (b * Cout + co + 1) * To), co * BT + b * To);
        }
      }
      if (w.requiresGrad) gemmNT(Cout, CK, BT, Gt, transpose2d(BT, CK, colsT), w.gradBuf(), true);
      if (bias?.requiresGrad) {
        const gb = bias.gradBuf();
        for (let co = 0; co < Cout; co++) {
          let acc = 0;
          for (let i = 0; i < BT; i++) acc += Gt[co * BT + i];
          gb[co] += acc;
        }
      }
    }
    if (x.requiresGrad) {
      const G = new Float32Array(BT * Cout); // G[b*To + t, co]
      for (let b = 0; b < B; b++) {
        for (let co = 0; co < Cout; co++) {
          const go = (b * Cout + co) * To;
          for (let t = 0; t < To; t++) G[(b * To + t) * Cout + co] = g[go + t];
        }
      }
      const dcolsT = new Float32Array(BT * CK);
      gemmNN(BT, CK, Cout, G, w.data, dcolsT, false);
      const gx = x.gradBuf();
      for (let b = 0; b < B; b++) {
        for (let ci = 0; ci < Cin; ci++) {
          const xb = (b * Cin + ci) * T;
          for (let k = 0; k < K; k++) {
            const col = ci * K + k, off = k * d - p;
            for (let t = 0; t < To; t++) {
              const ti = t * s + off;
              if (ti >= 0 && ti < T) gx[xb + ti] += dcolsT[(b * To + t) * CK + col];
            }
          }
        }
      }
    }
  });
}

/** Running statistics a batch norm updates in training mode. */
export interface RunningStats {
  mean: Float32Array;
  var: Float32Array;
}

/**
 * Batch normalisation over [B, C] or [B, C, T] (statistics per channel C). In training mode it
 * normalises with the batch statistics (biased variance) and updates `running` with momentum
 * (unbiased variance, as PyTorch); in eval mode it uses `running`.
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor | undefined,
  beta: Tensor | undefined,
  running: RunningStats,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  return batchNormImpl(x, false, gamma, beta, running, training, momentum, eps);
}

/**
 * batchNorm(relu(x)) as one op (the x-vector TDNN block order: conv → ReLU → BN). Keeps only
 * relu(x) for the backward pass and makes two passes over the data each way, where the separate
 * ops allocate and walk four arrays.
 */
export function reluBatchNorm(
  x: Tensor,
  gamma: Tensor | undefined,
  beta: Tensor | undefined,
  running: RunningStats,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  return batchNormImpl(x, true, gamma, beta, running, training, momentum, eps);
}

function bnShape(x: Tensor, running: RunningStats, training: boolean): BnGeometry {
  if (x.shape.length < 2 || x.shape.length > 3) {
    throw new RangeError(`batchNorm: expects [B,C] or [B,C,T], got [${x.shape}]`);
  }
  const B = x.shape[0], C = x.shape[1], L = x.shape.length === 3 ? x.shape[2] : 1;
  if (running.mean.length !== C) {
    throw new RangeError(`batchNorm: ${C} channels, layer built for ${running.mean.length}`);
  }
  if (training && B * L < 2) {
    throw new RangeError("batchNorm: training needs more than one value per channel (batch size >= 2)");
  }
  return { B, C, L };
}

function batchNormImpl(
  x: Tensor,
  withRelu: boolean,
  gamma: Tensor | undefined,
  beta: Tensor | undefined,
  running: RunningStats,
  training: boolean,
  momentum: number,
  eps: number,
): Tensor {
  const geo = bnShape(x, running, training);
  // a: the normalised input (relu(x) when fused), kept for the backward pass
  let a = x.data;
  if (withRelu) {
    a = Float32Array.from(x.data);
    reluInPlace(a);
  }
  const { mu, invstd } = bnStatistics(a, geo, running, training, momentum, eps);
  const out = new Float32Array(x.size);
  bnApply(a, geo, mu, invstd, gamma?.data, beta?.data, out);
  const parents = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return result(out, x.shape, parents, (g) => {
    bnBackward(
      g,
      a,
      geo,
      mu,
      invstd,
      gamma?.data,
      training,
      withRelu,
      gamma?.requiresGrad ? gamma.gradBuf() : null,
      beta?.requiresGrad ? beta.gradBuf() : null,
      x.requiresGrad ? x.gradBuf() : null,
    );
  });
}

/**
 * batchNorm(relu(conv1d(x, w, bias))) as one op: the x-vector TDNN block. The conv output never
 * becomes a tensor: ReLU runs in place on it and it is the only array kept for the backward pass,
 * whose intermediate gradient lives in a scratch buffer. Falls back to the three separate ops
 * where the conv would not use the WASM tap path (small or strided).
 */
export function conv1dReluBatchNorm(
  x: Tensor,
  w: Tensor,
  bias: Tensor | undefined,
  gamma: Tensor | undefined,
  beta: Tensor | undefined,
  running: RunningStats,
  training: boolean,
  o: Conv1dOptions = {},
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const geo = convShape(x, w, o, "conv1d");
  if (!useTaps(geo)) {
    return reluBatchNorm(conv1d(x, w, bias, o), gamma, beta, running, training, momentum, eps);
  }
  const { B, Cout, To } = geo, n = B * Cout * To;
  const bgeo = { B, C: Cout, L: To };
  if (running.mean.length !== Cout) {
    throw new RangeError(`batchNorm: ${Cout} channels, layer built for ${running.mean.length}`);
  }
  if (training && B * To < 2) {
    throw new RangeError("batchNorm: training needs more than one value per channel (batch size >= 2)");
  }
  // relu(conv(x)), the one array kept for the backward pass: from the buffer pool, returned there
  // once the backward pass has used it
  let a: Float32Array | null = takeBuffer(n);
  convForward(x.data, w.data, bias?.data, geo, a);
  reluInPlace(a);
  const { mu, invstd } = bnStatistics(a, bgeo, running, training, momentum, eps);
  const out = new Float32Array(n);
  bnApply(a, bgeo, mu, invstd, gamma?.data, beta?.data, out);
  const parents = [x, w, ...(bias ? [bias] : []), ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return result(out, [B, Cout, To], parents, (g) => {
    if (!a) {
      throw new Error(
        "conv1dReluBatchNorm: backward through the same graph a second time; its saved activations " +
          "were released after the first backward (run the forward pass again)",
      );
    }
    const needConv = x.requiresGrad || w.requiresGrad;
    const gz = needConv ? scratch("fused.gz", n) : null; // gradient at the conv output
    bnBackward(
      g,
      a,
      bgeo,
      mu,
      invstd,
      gamma?.data,
      training,
      true,
      gamma?.requiresGrad ? gamma.gradBuf() : null,
      beta?.requiresGrad ? beta.gradBuf() : null,
      gz ?? (bias?.requiresGrad ? scratch("fused.gz", n) : null),
      true,
      bias?.requiresGrad ? bias.gradBuf() : null, // the conv bias gradient is Σ gz per channel
    );
    releaseBuffer(a);
    a = null;
    if (!gz) return;
    convTapsBackward(
      gz,
      x.data,
      w.data,
      geo,
      w.requiresGrad ? w.gradBuf() : null,
      null,
      x.requiresGrad ? x.gradBuf() : null,
    );
  });
}

/** Layer normalisation over the last axis with per-feature gain and bias. */
export function layerNorm(
  x: Tensor,
  gamma: Tensor | undefined,
  beta: Tensor | undefined,
  eps = 1e-5,
): Tensor {
  const D = x.shape[x.shape.length - 1], R = x.size / D;
  const xhat = new Float32Array(x.size), out = new Float32Array(x.size), invstd = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    const o = r * D;
    let m = 0;
    for (let i = 0; i < D; i++) m += x.data[o + i];
    m /= D;
    let v = 0;
    for (let i = 0; i < D; i++) v += (x.data[o + i] - m) ** 2;
    const is = 1 / Math.sqrt(v / D + eps);
    invstd[r] = is;
    for (let i = 0; i < D; i++) {
      const h = (x.data[o + i] - m) * is;
      xhat[o + i] = h;
      out[o + i] = (gamma ? gamma.data[i] : 1) * h + (beta ? beta.data[i] : 0);
    }
  }
  const parents = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return result(out, x.shape, parents, (g) => {
    const gg = gamma?.requiresGrad ? gamma.gradBuf() : null, gb = beta?.requiresGrad ? beta.gradBuf() : null;
    const gx = x.requiresGrad ? x.gradBuf() : null;
    for (let r = 0; r < R; r++) {
      const o = r * D;
      let s1 = 0, s2 = 0;
      for (let i = 0; i < D; i++) {
        const dh = g[o + i] * (gamma ? gamma.data[i] : 1);
        s1 += dh;
        s2 += dh * xhat[o + i];
        if (gg) gg[i] += g[o + i] * xhat[o + i];
        if (gb) gb[i] += g[o + i];
      }
      if (gx) {
        for (let i = 0; i < D; i++) {
          const dh = g[o + i] * (gamma ? gamma.data[i] : 1);
          gx[o + i] += (invstd[r] / D) * (D * dh - s1 - xhat[o + i] * s2);
        }
      }
    }
  });
}

/** Inverted dropout with a given keep mask source: zeroes with probability p, scales the rest by 1/(1-p). */
export function dropout(x: Tensor, p: number, uniform: () => number): Tensor {
  if (p <= 0) return x;
  const mask = new Float32Array(x.size);
  const k = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = uniform() >= p ? k : 0;
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] * mask[i];
  return result(out, x.shape, [x], (g) => {
    const gx = x.gradBuf();
    for (let i = 0; i < g.length; i++) gx[i] += g[i] * mask[i];
  });
}

/**
 * x-vector statistics pooling of [B, C, T] over time: [mean; sqrt(var + eps)] as [B, 2C] (biased
 * variance). One op instead of the seven-op composite (mean, sub, square, mean, add, sqrt, concat).
 */
export function statsPool(x: Tensor, eps = 1e-5): Tensor {
  if (x.shape.length !== 3) {
    throw new RangeError(`statsPool: expects [batch, channels, time], got [${x.shape}]`);
  }
  return meanStdPool(x, { unbiased: false, eps });
}
