/**
 * Fused differentiable ops for layers: 1-d convolution (im2col + one blocked matmul), batch norm,
 * layer norm and dropout. Fused because their composite forms would be several times slower.
 * @module
 */
import { result, type Tensor } from "./tensor.ts";
import { gemmNN, gemmNT, transpose2d } from "./gemm.ts";

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

/** y[b,co,t] = bias[co] + Σ_{ci,k} w[co,ci,k] · x[b, ci, t·stride + k·dilation - padding]. */
export function conv1d(x: Tensor, w: Tensor, bias: Tensor | undefined, o: Conv1dOptions = {}): Tensor {
  if (x.shape.length !== 3) {
    throw new RangeError(`conv1d: input must be [batch, channels, time], got [${x.shape}]`);
  }
  const [B, Cin, T] = x.shape;
  const [Cout, Cin2, K] = w.shape;
  if (Cin !== Cin2) throw new RangeError(`conv1d: input has ${Cin} channels, weight expects ${Cin2}`);
  const s = o.stride ?? 1, d = o.dilation ?? 1, p = o.padding ?? 0;
  const To = convOutLength(T, K, o);
  if (To <= 0) {
    throw new RangeError(`conv1d: input length ${T} is too short for kernel ${K} with dilation ${d}`);
  }
  const CK = Cin * K, BT = B * To;
  // im2col, one row per output position: colsT[(b*To + t), (ci*K + k)] = x[b, ci, t*s + k*d - p]
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
  const parents = bias ? [x, w, bias] : [x, w];
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
  const B = x.shape[0], C = x.shape[1], L = x.shape.length === 3 ? x.shape[2] : 1;
  if (x.shape.length < 2 || x.shape.length > 3) {
    throw new RangeError(`batchNorm: expects [B,C] or [B,C,T], got [${x.shape}]`);
  }
  if (running.mean.length !== C) {
    throw new RangeError(`batchNorm: ${C} channels, layer built for ${running.mean.length}`);
  }
  const N = B * L;
  if (training && N < 2) {
    throw new RangeError("batchNorm: training needs more than one value per channel (batch size >= 2)");
  }
  const mu = new Float64Array(C), invstd = new Float64Array(C);
  if (training) {
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const o = (b * C + c) * L;
        for (let l = 0; l < L; l++) mu[c] += x.data[o + l];
      }
    }
    for (let c = 0; c < C; c++) mu[c] /= N;
    const v = new Float64Array(C);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const o = (b * C + c) * L;
        for (let l = 0; l < L; l++) v[c] += (x.data[o + l] - mu[c]) ** 2;
      }
    }
    for (let c = 0; c < C; c++) {
      invstd[c] = 1 / Math.sqrt(v[c] / N + eps);
      running.mean[c] = (1 - momentum) * running.mean[c] + momentum * mu[c];
      running.var[c] = (1 - momentum) * running.var[c] + momentum * (v[c] / (N - 1));
    }
  } else {
    for (let c = 0; c < C; c++) {
      mu[c] = running.mean[c];
      invstd[c] = 1 / Math.sqrt(running.var[c] + eps);
    }
  }
  const xhat = new Float32Array(x.size), out = new Float32Array(x.size);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const o = (b * C + c) * L, gm = gamma ? gamma.data[c] : 1, bt = beta ? beta.data[c] : 0;
      for (let l = 0; l < L; l++) {
        const h = (x.data[o + l] - mu[c]) * invstd[c];
        xhat[o + l] = h;
        out[o + l] = gm * h + bt;
      }
    }
  }
  const parents = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return result(out, x.shape, parents, (g) => {
    const sg = new Float64Array(C), sgh = new Float64Array(C);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const o = (b * C + c) * L;
        for (let l = 0; l < L; l++) {
          sg[c] += g[o + l];
          sgh[c] += g[o + l] * xhat[o + l];
        }
      }
    }
    if (gamma?.requiresGrad) {
      const gg = gamma.gradBuf();
      for (let c = 0; c < C; c++) gg[c] += sgh[c];
    }
    if (beta?.requiresGrad) {
      const gb = beta.gradBuf();
      for (let c = 0; c < C; c++) gb[c] += sg[c];
    }
    if (x.requiresGrad) {
      const gx = x.gradBuf();
      for (let b = 0; b < B; b++) {
        for (let c = 0; c < C; c++) {
          const o = (b * C + c) * L, gm = gamma ? gamma.data[c] : 1;
          for (let l = 0; l < L; l++) {
            gx[o + l] += training
              ? (gm * invstd[c] / N) * (N * g[o + l] - sg[c] - xhat[o + l] * sgh[c])
              : gm * invstd[c] * g[o + l];
          }
        }
      }
    }
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
