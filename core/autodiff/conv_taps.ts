/**
 * Stride-1 1-d convolution on the WASM kernel (A·Bᵀ, core/kernels/distance.ts), on raw [B, C, T]
 * buffers, in whichever of three forms gives the kernel the least work for the shape:
 *
 *   kernel 3     Winograd F(2,3) (conv_winograd.ts): 4 products per output pair instead of 6
 *   K·Cin small  time windows: one product with reduction K·Cin (a TDNN's first layer: 5·80)
 *   otherwise    K stacked tap products: P[(co,k), (b,t')] = Σ_ci W[co,ci,k] · x[b,ci,t'], then
 *                y[b,co,t] = bias[co] + Σ_k P[(co,k), (b, t + k·d − p)] (no im2col at all)
 *
 * The backward pass reuses them: dx is the forward conv of g with the flipped, transposed kernel
 * (padding (K−1)·d − p), and dW is one product over (b,t) of shifted x rows and g rows (Winograd's
 * transformed form for kernel 3). Layout changes other than the transposes to time-major are runs
 * of contiguous values, kernel output tiles are consumed in place or copied out once, and all
 * operand staging uses reusable scratch buffers (scratch.ts). Nothing but x is kept for backward.
 * @module
 */
import { transpose2d, wasmTiles } from "./gemm.ts";
import { scratch } from "./scratch.ts";
import { convWinograd3, convWinograd3WeightGrad } from "./conv_winograd.ts";

/** Shape of a stride-1 conv: x [B, Cin, T], w [Cout, Cin, K], y [B, Cout, To]. */
export interface ConvGeometry {
  B: number;
  Cin: number;
  T: number;
  Cout: number;
  K: number;
  /** Dilation. */
  d: number;
  /** Zero padding each side. */
  p: number;
  To: number;
}

/**
 * out[b,co,t] (+)= bias[co] + Σ w[co,ci,k] x[b,ci,t+k·d−p]: Winograd F(2,3) for kernel 3
 * (conv_winograd.ts, 2/3 of the multiply-adds), K stacked taps otherwise.
 */
export function convForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | undefined,
  g: ConvGeometry,
  out: Float32Array,
  accumulate = false,
): void {
  if (g.K === 3) convWinograd3(x, w, bias, g, out, accumulate);
  else if (g.Cin * g.K <= 1024) convWindowsForward(x, w, bias, g, out, accumulate);
  else convTapsForward(x, w, bias, g, out, accumulate);
}

/**
 * out (+)= conv as one product over time windows: A = W [co, (k,ci)], B = windows [(b,t), (k,ci)]
 * whose row (b,t) is the K rows of x time-major at t + k·d − p, one contiguous run each. For few
 * input channels (a TDNN's first layer on 80 fbank bins: reduction K·Cin = 400 instead of 80) this
 * gives the kernel a longer reduction and a K times smaller output than the stacked taps.
 */
export function convWindowsForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | undefined,
  g: ConvGeometry,
  out: Float32Array,
  accumulate = false,
): void {
  const { B, Cin, T, Cout, K, d, p, To } = g, KC = K * Cin, BTo = B * To;
  const xT = scratch("conv.xT", B * T * Cin); // x time-major [(b,t), ci]
  for (let b = 0; b < B; b++) {
    transpose2d(
      Cin,
      T,
      x.subarray(b * Cin * T, (b + 1) * Cin * T),
      xT.subarray(b * T * Cin, (b + 1) * T * Cin),
    );
  }
  const win = scratch("conv.windows", BTo * KC);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < To; t++) {
      const row = (b * To + t) * KC;
      for (let k = 0; k < K; k++) {
        const s = t + k * d - p, dst = row + k * Cin;
        if (s < 0 || s >= T) win.fill(0, dst, dst + Cin);
        else {
          const src = (b * T + s) * Cin;
          for (let i = 0; i < Cin; i++) win[dst + i] = xT[src + i];
        }
      }
    }
  }
  const wk = scratch("conv.wWindows", Cout * KC); // [co, (k,ci)]
  for (let co = 0; co < Cout; co++) {
    for (let ci = 0; ci < Cin; ci++) {
      const src = (co * Cin + ci) * K;
      for (let k = 0; k < K; k++) wk[co * KC + k * Cin + ci] = w[src + k];
    }
  }
  wasmTiles(Cout, BTo, KC, wk, win, (tile, r0) => {
    const rows = tile.length / BTo;
    for (let i = 0; i < rows; i++) {
      const co = r0 + i, v = bias ? bias[co] : 0;
      for (let b = 0; b < B; b++) {
        const src = i * BTo + b * To, dst = (b * Cout + co) * To;
        if (accumulate) { for (let t = 0; t < To; t++) out[dst + t] += tile[src + t] + v; }
        else for (let t = 0; t < To; t++) out[dst + t] = tile[src + t] + v;
      }
    }
  });
}

/** out[b,co,t] (+)= bias[co] + Σ w[co,ci,k] x[b,ci,t+k·d−p] as K stacked tap products. */
export function convTapsForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | undefined,
  g: ConvGeometry,
  out: Float32Array,
  accumulate = false,
): void {
  const { B, Cin, T, Cout, K, d, p, To } = g, BT = B * T;
  const xT = scratch("conv.xT", BT * Cin); // x time-major [(b,t), ci]
  for (let b = 0; b < B; b++) {
    transpose2d(
      Cin,
      T,
      x.subarray(b * Cin * T, (b + 1) * Cin * T),
      xT.subarray(b * T * Cin, (b + 1) * T * Cin),
    );
  }
  const wTaps = scratch("conv.wTaps", K * Cout * Cin); // [(co,k), ci]
  for (let co = 0; co < Cout; co++) {
    for (let ci = 0; ci < Cin; ci++) {
      const src = (co * Cin + ci) * K;
      for (let k = 0; k < K; k++) wTaps[(co * K + k) * Cin + ci] = w[src + k];
    }
  }
  for (let b = 0; b < B; b++) {
    for (let co = 0; co < Cout; co++) {
      const o = (b * Cout + co) * To, v = bias ? bias[co] : 0;
      if (!accumulate) out.fill(v, o, o + To);
      else if (v !== 0) { for (let t = 0; t < To; t++) out[o + t] += v; }
    }
  }
  const runs = tapRuns(K);
  wasmTiles(K * Cout, BT, Cin, wTaps, xT, (tile, r0) => {
    // rows (co, k): whole channels per tile (tile rows are a multiple of K)
    const c0 = r0 / K, c1 = c0 + tile.length / (BT * K);
    for (let co = c0; co < c1; co++) {
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < K; k++) {
          const sh = k * d - p;
          runs.off[k] = ((co - c0) * K + k) * BT + b * T + sh;
          runs.lo[k] = Math.max(0, -sh);
          runs.hi[k] = Math.max(runs.lo[k], Math.min(To, T - sh));
        }
        addTapRuns(out, (b * Cout + co) * To, tile, runs, K);
      }
    }
  }, tileRowsFor(K, BT));
}

/**
 * Tile rows for a product with `n` columns whose rows come in groups of K taps: a multiple of 6K (the
 * micro-kernel's 6 rows, whole channels) keeping the tile near 1 MB, so that the kernel writes and the
 * consumer reads it in L2 instead of streaming a whole [K·C, n] product through memory.
 */
function tileRowsFor(K: number, n: number): number {
  return 6 * K * Math.max(1, Math.round((1 << 18) / (6 * K * n)));
}

/** Per-tap source offsets and valid ranges of {@link addTapRuns} (reused: no allocation per run). */
interface TapRuns {
  off: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
}

function tapRuns(K: number): TapRuns {
  return { off: new Int32Array(K), lo: new Int32Array(K), hi: new Int32Array(K) };
}

/**
 * dst[d0 + t] += Σ_k src[off_k + t] over t in [lo_k, hi_k) for each tap k. The range common to all
 * taps is summed in one pass per group of three taps (one read-modify-write of dst instead of K);
 * the rest tap by tap.
 */
function addTapRuns(dst: Float32Array, d0: number, src: Float32Array, r: TapRuns, K: number): void {
  let c0 = 0, c1 = 1 << 30;
  for (let k = 0; k < K; k++) {
    c0 = Math.max(c0, r.lo[k]);
    c1 = Math.min(c1, r.hi[k]);
  }
  if (c1 < c0) c1 = c0;
  for (let k = 0; k < K; k++) {
    const o = r.off[k] - d0, lo = r.lo[k], hi = r.hi[k];
    for (let t = lo; t < Math.min(hi, c0); t++) dst[d0 + t] += src[o + d0 + t];
    for (let t = Math.max(lo, c1); t < hi; t++) dst[d0 + t] += src[o + d0 + t];
  }
  let k = 0;
  for (; k + 3 <= K; k += 3) {
    const s0 = r.off[k] - d0, s1 = r.off[k + 1] - d0, s2 = r.off[k + 2] - d0;
    for (let t = d0 + c0; t < d0 + c1; t++) dst[t] += src[s0 + t] + src[s1 + t] + src[s2 + t];
  }
  if (k + 2 === K) {
    const s0 = r.off[k] - d0, s1 = r.off[k + 1] - d0;
    for (let t = d0 + c0; t < d0 + c1; t++) dst[t] += src[s0 + t] + src[s1 + t];
  } else if (k + 1 === K) {
    const s0 = r.off[k] - d0;
    for (let t = d0 + c0; t < d0 + c1; t++) dst[t] += src[s0 + t];
  }
}

/**
 * Adds the gradients of {@link convTapsForward} for output gradient `gy` [B, Cout, To] into gw
 * [Cout, Cin, K], gb [Cout] and gx [B, Cin, T] (each skipped when null).
 */
export function convTapsBackward(
  gy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  gw: Float32Array | null,
  gb: Float32Array | null,
  gx: Float32Array | null,
): void {
  const { B, Cin, T, Cout, K, d, p, To } = g, BTo = B * To;
  if (gb) {
    for (let co = 0; co < Cout; co++) {
      let acc = 0;
      for (let b = 0; b < B; b++) {
        const o = (b * Cout + co) * To;
        for (let t = 0; t < To; t++) acc += gy[o + t];
      }
      gb[co] += acc;
    }
  }
  if (gw && K === 3) convWinograd3WeightGrad(gy, x, g, gw);
  else if (gw) {
    // A: shifted rows of x [(k,ci), (b,t)] (zeros where t + k·d − p falls outside); B: g [co, (b,t)]
    const xs = scratch("conv.xShift", K * Cin * BTo), gRows = scratch("conv.gRows", Cout * BTo);
    for (let k = 0; k < K; k++) {
      const sh = k * d - p, t0 = Math.min(To, Math.max(0, -sh)), t1 = Math.max(t0, Math.min(To, T - sh));
      for (let ci = 0; ci < Cin; ci++) {
        for (let b = 0; b < B; b++) {
          const dst = (k * Cin + ci) * BTo + b * To, src = (b * Cin + ci) * T + sh;
          for (let t = 0; t < t0; t++) xs[dst + t] = 0;
          for (let t = t0; t < t1; t++) xs[dst + t] = x[src + t];
          for (let t = t1; t < To; t++) xs[dst + t] = 0;
        }
      }
    }
    for (let co = 0; co < Cout; co++) {
      for (let b = 0; b < B; b++) {
        const dst = co * BTo + b * To, src = (b * Cout + co) * To;
        for (let t = 0; t < To; t++) gRows[dst + t] = gy[src + t];
      }
    }
    wasmTiles(K * Cin, Cout, BTo, xs, gRows, (tile, r0) => {
      const rows = tile.length / Cout;
      for (let i = 0; i < rows; i++) {
        const k = Math.floor((r0 + i) / Cin), ci = (r0 + i) - k * Cin;
        for (let co = 0; co < Cout; co++) gw[(co * Cin + ci) * K + k] += tile[i * Cout + co];
      }
    });
  }
  if (gx && p <= (K - 1) * d) {
    // dx is the forward conv of g with the flipped, transposed kernel wf[ci,co,k] = w[co,ci,K−1−k]
    // and padding (K−1)·d − p: the same fast paths (Winograd for K = 3)
    const wf = scratch("conv.wFlip", Cin * Cout * K);
    for (let co = 0; co < Cout; co++) {
      for (let ci = 0; ci < Cin; ci++) {
        const src = (co * Cin + ci) * K, dst = (ci * Cout + co) * K;
        for (let k = 0; k < K; k++) wf[dst + k] = w[src + K - 1 - k];
      }
    }
    const gd: ConvGeometry = { B, Cin: Cout, T: To, Cout: Cin, K, d, p: (K - 1) * d - p, To: T };
    convForward(gy, wf, undefined, gd, gx, true);
  } else if (gx) {
    // A: taps of Wᵀ [(ci,k), co]; B: g time-major [(b,t), co]
    const wt = scratch("conv.wtTaps", K * Cin * Cout), gT = scratch("conv.gT", BTo * Cout);
    for (let co = 0; co < Cout; co++) {
      for (let ci = 0; ci < Cin; ci++) {
        const src = (co * Cin + ci) * K;
        for (let k = 0; k < K; k++) wt[(ci * K + k) * Cout + co] = w[src + k];
      }
    }
    for (let b = 0; b < B; b++) {
      transpose2d(
        Cout,
        To,
        gy.subarray(b * Cout * To, (b + 1) * Cout * To),
        gT.subarray(b * To * Cout, (b + 1) * To * Cout),
      );
    }
    const runs = tapRuns(K);
    wasmTiles(K * Cin, BTo, Cout, wt, gT, (tile, r0) => {
      // rows (ci, k), whole input channels per tile. In input time t' = t + sh, tap k reads its row
      // at t' − sh over t' in [sh + t0, sh + t1).
      const c0 = r0 / K, c1 = c0 + tile.length / (BTo * K);
      for (let ci = c0; ci < c1; ci++) {
        for (let b = 0; b < B; b++) {
          for (let k = 0; k < K; k++) {
            const sh = k * d - p, t0 = Math.max(0, -sh), t1 = Math.max(t0, Math.min(To, T - sh));
            runs.off[k] = ((ci - c0) * K + k) * BTo + b * To - sh;
            runs.lo[k] = sh + t0;
            runs.hi[k] = sh + t1;
          }
          addTapRuns(gx, (b * Cin + ci) * T, tile, runs, K);
        }
      }
    }, tileRowsFor(K, BTo));
  }
}
