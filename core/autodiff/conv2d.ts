/**
 * 2-d convolution (NCHW, PyTorch's layout and weight shape [Cout, Cin, KH, KW]) with strides and zero
 * padding, on the GEMM of gemm.ts (the WASM SIMD kernel for products worth its copies):
 *
 *   forward   Y[co, (b,p)] = W[co, k] · cols[k, (b,p)]          (im2col: one row per tap k, runs of x rows)
 *   dW        dW[co, k]   += G[co, (b,p)] · cols[k, (b,p)]ᵀ
 *   dx        dcols[k, (b,p)] = W[co, k]ᵀ · G[co, (b,p)], added back (col2im)
 *
 * with k = (ci, kh, kw). Samples are processed in chunks whose im2col matrix stays within a few MB
 * (scratch buffers, reused), so memory does not grow with the batch; nothing but x is kept for the
 * backward pass (the columns are rebuilt there).
 * @module
 */
import { result, type Tensor } from "./tensor.ts";
import { gemm } from "./gemm.ts";
import { scratch } from "./scratch.ts";

/** Options of {@link conv2d}: stride and zero padding, one value or [height, width]. */
export interface Conv2dOptions {
  /** Step between output positions (default 1). */
  readonly stride?: number | readonly [number, number];
  /** Zeros added on both sides of each spatial axis (default 0). */
  readonly padding?: number | readonly [number, number];
}

/** Geometry of one conv2d call. */
export interface Conv2dGeometry {
  B: number;
  Cin: number;
  H: number;
  W: number;
  Cout: number;
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  Ho: number;
  Wo: number;
}

const pair = (v: number | readonly [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === "number" ? [v, v] : [v[0], v[1]];

/** Checks shapes and derives the output size; errors name the op and the shapes. */
export function conv2dGeometry(x: Tensor, w: Tensor, o: Conv2dOptions = {}): Conv2dGeometry {
  if (x.shape.length !== 4) throw new RangeError(`conv2d: input must be [B, C, H, W], got [${x.shape}]`);
  if (w.shape.length !== 4) {
    throw new RangeError(`conv2d: weight must be [Cout, Cin, KH, KW], got [${w.shape}]`);
  }
  const [B, Cin, H, W] = x.shape, [Cout, Cin2, KH, KW] = w.shape;
  if (Cin !== Cin2) throw new RangeError(`conv2d: input has ${Cin} channels, weight expects ${Cin2}`);
  const [sh, sw] = pair(o.stride, 1), [ph, pw] = pair(o.padding, 0);
  if (!(sh >= 1 && sw >= 1 && ph >= 0 && pw >= 0)) {
    throw new RangeError(`conv2d: stride must be >= 1 and padding >= 0, got ${sh}x${sw} / ${ph}x${pw}`);
  }
  const Ho = Math.floor((H + 2 * ph - KH) / sh) + 1, Wo = Math.floor((W + 2 * pw - KW) / sw) + 1;
  if (Ho <= 0 || Wo <= 0) {
    throw new RangeError(
      `conv2d: input ${H}x${W} is too small for kernel ${KH}x${KW} with padding ${ph}x${pw}`,
    );
  }
  return { B, Cin, H, W, Cout, KH, KW, sh, sw, ph, pw, Ho, Wo };
}

/** Samples per chunk so that the im2col matrix of a chunk holds at most ~4M values. */
function chunkSize(g: Conv2dGeometry): number {
  const perSample = g.Ho * g.Wo * g.Cin * g.KH * g.KW;
  return Math.max(1, Math.min(g.B, Math.floor((1 << 22) / perSample)));
}

/**
 * cols[k, (b−b0)·P + p] for samples b0..b1−1 (P = Ho·Wo, k = (ci, kh, kw)): every row is built from
 * runs of one input row (a straight copy at stride 1), so the layout costs about one copy of the
 * columns; zero padding is written explicitly.
 */
function im2col(x: Float32Array, g: Conv2dGeometry, b0: number, b1: number, out: Float32Array): void {
  const { Cin, H, W, KH, KW, sh, sw, ph, pw, Ho, Wo } = g, P = Ho * Wo, N = (b1 - b0) * P;
  for (let ci = 0; ci < Cin; ci++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = ((ci * KH + kh) * KW + kw) * N;
        // output columns wo whose input column wo·sw + kw − pw lies inside [0, W)
        const lo = Math.max(0, Math.ceil((pw - kw) / sw)),
          hi = Math.min(Wo, Math.floor((W - 1 + pw - kw) / sw) + 1);
        for (let b = b0; b < b1; b++) {
          for (let ho = 0; ho < Ho; ho++) {
            const dst = row + (b - b0) * P + ho * Wo, hin = ho * sh + kh - ph;
            if (hin < 0 || hin >= H || lo >= hi) {
              out.fill(0, dst, dst + Wo);
              continue;
            }
            if (lo > 0) out.fill(0, dst, dst + lo);
            if (hi < Wo) out.fill(0, dst + hi, dst + Wo);
            const src = ((b * Cin + ci) * H + hin) * W + kw - pw;
            if (sw === 1) out.set(x.subarray(src + lo, src + hi), dst + lo);
            else for (let wo = lo; wo < hi; wo++) out[dst + wo] = x[src + wo * sw];
          }
        }
      }
    }
  }
}

/** gx[b, ci, hi, wi] += dcols[k, (b−b0)·P + p] (the adjoint of im2col). */
function col2im(d: Float32Array, g: Conv2dGeometry, b0: number, b1: number, gx: Float32Array): void {
  const { Cin, H, W, KH, KW, sh, sw, ph, pw, Ho, Wo } = g, P = Ho * Wo, N = (b1 - b0) * P;
  for (let ci = 0; ci < Cin; ci++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = ((ci * KH + kh) * KW + kw) * N;
        const lo = Math.max(0, Math.ceil((pw - kw) / sw)),
          hi = Math.min(Wo, Math.floor((W - 1 + pw - kw) / sw) + 1);
        for (let b = b0; b < b1; b++) {
          for (let ho = 0; ho < Ho; ho++) {
            const hin = ho * sh + kh - ph;
            if (hin < 0 || hin >= H) continue;
            const src = row + (b - b0) * P + ho * Wo, dst = ((b * Cin + ci) * H + hin) * W + kw - pw;
            if (sw === 1) { for (let wo = lo; wo < hi; wo++) gx[dst + wo] += d[src + wo]; }
            else for (let wo = lo; wo < hi; wo++) gx[dst + wo * sw] += d[src + wo];
          }
        }
      }
    }
  }
}

/** out[b, co, p] (+)= W · colsᵀ for raw buffers (shared by conv2d and the fused ops). */
export function conv2dForwardRaw(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | undefined,
  g: Conv2dGeometry,
  out: Float32Array,
): void {
  const { B, Cout } = g, K = g.Cin * g.KH * g.KW, P = g.Ho * g.Wo, cb = chunkSize(g);
  for (let b0 = 0; b0 < B; b0 += cb) {
    const b1 = Math.min(B, b0 + cb), N = (b1 - b0) * P;
    const cols = scratch("conv2d.cols", K * N);
    im2col(x, g, b0, b1, cols);
    const Y = scratch("conv2d.y", Cout * N);
    gemm(false, false, Cout, N, K, w, cols, Y, false);
    for (let b = b0; b < b1; b++) {
      for (let co = 0; co < Cout; co++) {
        const src = co * N + (b - b0) * P, dst = (b * Cout + co) * P, v = bias ? bias[co] : 0;
        for (let p = 0; p < P; p++) out[dst + p] = Y[src + p] + v;
      }
    }
  }
}

/** Gradients of conv2d for output gradient `gy` [B, Cout, Ho, Wo] (each target added into when given). */
export function conv2dBackwardRaw(
  gy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  g: Conv2dGeometry,
  gw: Float32Array | null,
  gbias: Float32Array | null,
  gx: Float32Array | null,
): void {
  const { B, Cout } = g, K = g.Cin * g.KH * g.KW, P = g.Ho * g.Wo, cb = chunkSize(g);
  if (gbias) {
    for (let b = 0; b < B; b++) {
      for (let co = 0; co < Cout; co++) {
        let s = 0;
        const o = (b * Cout + co) * P;
        for (let p = 0; p < P; p++) s += gy[o + p];
        gbias[co] += s;
      }
    }
  }
  if (!gw && !gx) return;
  for (let b0 = 0; b0 < B; b0 += cb) {
    const b1 = Math.min(B, b0 + cb), N = (b1 - b0) * P;
    // G[co, (b,p)] for this chunk
    const G = scratch("conv2d.g", Cout * N);
    for (let b = b0; b < b1; b++) {
      for (let co = 0; co < Cout; co++) {
        G.set(gy.subarray((b * Cout + co) * P, (b * Cout + co + 1) * P), co * N + (b - b0) * P);
      }
    }
    if (gw) {
      const cols = scratch("conv2d.cols", K * N);
      im2col(x, g, b0, b1, cols);
      gemm(false, true, Cout, K, N, G, cols, gw, true); // dW = G · colsᵀ
    }
    if (gx) {
      const d = scratch("conv2d.dcols", K * N);
      gemm(true, false, K, N, Cout, w, G, d, false); // dcols = Wᵀ · G
      col2im(d, g, b0, b1, gx);
    }
  }
}

/** y[b,co,ho,wo] = bias[co] + Σ w[co,ci,kh,kw] · x[b, ci, ho·sh + kh − ph, wo·sw + kw − pw]. */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor, o: Conv2dOptions = {}): Tensor {
  const g = conv2dGeometry(x, w, o);
  if (bias && bias.size !== g.Cout) {
    throw new RangeError(`conv2d: bias has ${bias.size} values, needs ${g.Cout}`);
  }
  const out = new Float32Array(g.B * g.Cout * g.Ho * g.Wo);
  conv2dForwardRaw(x.data, w.data, bias?.data, g, out);
  return result(out, [g.B, g.Cout, g.Ho, g.Wo], bias ? [x, w, bias] : [x, w], (gy) => {
    conv2dBackwardRaw(
      gy,
      x.data,
      w.data,
      g,
      w.requiresGrad ? w.gradBuf() : null,
      bias?.requiresGrad ? bias.gradBuf() : null,
      x.requiresGrad ? x.gradBuf() : null,
    );
  });
}
