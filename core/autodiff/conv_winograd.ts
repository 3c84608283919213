/**
 * Stride-1, kernel-3 1-d convolution (any dilation d and padding p) with Winograd's minimal
 * filtering F(2,3) (Lavin & Gray 2016): each pair of outputs (t, t+d) takes 4 products instead of 6,
 * so the WASM kernel does 2/3 of the multiply-adds of the direct form. With x_j = x[t + j·d − p]:
 *
 *   v = (x0 − x2, x1 + x2, x2 − x1, x1 − x3)        input transform (per channel, time-major rows)
 *   u = (w0, (w0 + w1 + w2)/2, (w0 − w1 + w2)/2, w2)  filter transform
 *   m_j[co] = Σ_ci u_j[co,ci] · v_j[ci]               four products on the kernel
 *   y[t] = m0 + m1 + m2,  y[t + d] = m1 − m2 − m3     output transform
 *
 * Outputs are paired within each dilation phase: pair q' of a batch row covers t = 2d·⌊q'/d⌋ + q' mod d
 * and t + d; the output length is rounded up to a multiple of 2d and the extra outputs dropped.
 * F(2,3) stays within a few float32 ulps of the direct sum (its transforms only add and halve).
 * @module
 */
import { transpose2d, wasmTiles } from "./gemm.ts";
import { scratch } from "./scratch.ts";
import type { ConvGeometry } from "./conv_taps.ts";

/**
 * out[b,co,t] (+)= bias[co] + Σ_{ci,k} w[co,ci,k] · x[b,ci,t + k·d − p] for K = 3 (`accumulate`
 * adds into out instead of overwriting it).
 */
export function convWinograd3(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | undefined,
  g: ConvGeometry,
  out: Float32Array,
  accumulate: boolean,
): void {
  const { B, Cin, T, Cout, d, p, To } = g;
  if (g.K !== 3) throw new RangeError(`convWinograd3: kernel ${g.K}, not 3`);
  const Q = Math.ceil(To / (2 * d)), P = Q * d, BP = B * P; // pairs per batch row
  const xT = scratch("wino.xT", (B * T + 1) * Cin); // x time-major [(b,t), ci], then a zero row
  xT.fill(0, B * T * Cin);
  for (let b = 0; b < B; b++) {
    transpose2d(
      Cin,
      T,
      x.subarray(b * Cin * T, (b + 1) * Cin * T),
      xT.subarray(b * T * Cin, (b + 1) * T * Cin),
    );
  }
  const U = scratch("wino.u", 4 * Cout * Cin); // u_j [co, ci], j-major
  const S = Cout * Cin;
  for (let co = 0; co < Cout; co++) {
    for (let ci = 0; ci < Cin; ci++) {
      const o = (co * Cin + ci) * 3, w0 = w[o], w1 = w[o + 1], w2 = w[o + 2], i = co * Cin + ci;
      U[i] = w0;
      U[S + i] = (w0 + w1 + w2) * 0.5;
      U[2 * S + i] = (w0 - w1 + w2) * 0.5;
      U[3 * S + i] = w2;
    }
  }
  if (!accumulate) {
    for (let b = 0; b < B; b++) {
      for (let co = 0; co < Cout; co++) {
        out.fill(bias ? bias[co] : 0, (b * Cout + co) * To, (b * Cout + co + 1) * To);
      }
    }
  } else if (bias) {
    for (let b = 0; b < B; b++) {
      for (let co = 0; co < Cout; co++) {
        const o = (b * Cout + co) * To;
        for (let t = 0; t < To; t++) out[o + t] += bias[co];
      }
    }
  }
  // the four products land in scratch (copied out of kernel memory), then one output-transform pass
  const VS = BP * Cin, V = scratch("wino.v", 4 * VS), M = scratch("wino.m", 4 * Cout * BP), MS = Cout * BP;
  inputTransform(xT, V, B, T, Cin, d, p, Q);
  for (let j = 0; j < 4; j++) {
    const Vj = V.subarray(j * VS, (j + 1) * VS);
    wasmTiles(Cout, BP, Cin, U.subarray(j * S, (j + 1) * S), Vj, (tile, r0) => M.set(tile, j * MS + r0 * BP));
  }
  outputTransform(M, out, B, Cout, To, d, Q);
}

/**
 * The input transform of every pair, all four rows in one pass: V_j[(b,q'), ci] (j-major). Rows of
 * x outside [0, T) read the zero row at the end of xT, so the inner loop has no branches.
 */
function inputTransform(
  xT: Float32Array,
  V: Float32Array,
  B: number,
  T: number,
  Cin: number,
  d: number,
  p: number,
  Q: number,
): void {
  const P = Q * d, VS = B * P * Cin, zero = B * T * Cin;
  const rowOf = (b: number, s: number) => (s >= 0 && s < T ? (b * T + s) * Cin : zero);
  for (let b = 0; b < B; b++) {
    for (let q = 0; q < Q; q++) {
      for (let r = 0; r < d; r++) {
        const t = 2 * d * q + r - p, dst = (b * P + q * d + r) * Cin;
        const o0 = rowOf(b, t), o1 = rowOf(b, t + d), o2 = rowOf(b, t + 2 * d), o3 = rowOf(b, t + 3 * d);
        for (let i = 0; i < Cin; i++) {
          const x0 = xT[o0 + i], x1 = xT[o1 + i], x2 = xT[o2 + i], x3 = xT[o3 + i];
          V[dst + i] = x0 - x2;
          V[VS + dst + i] = x1 + x2;
          V[2 * VS + dst + i] = x2 - x1;
          V[3 * VS + dst + i] = x1 - x3;
        }
      }
    }
  }
}

/** How many q in [0, Q) have 2dq < n. */
function pairsBelow(n: number, d: number, Q: number): number {
  return n <= 0 ? 0 : Math.min(Q, Math.ceil(n / (2 * d)));
}

/** out[t] += m0 + m1 + m2 and out[t + d] += m1 − m2 − m3 for every pair (M = m_j [co, (b,q')], j-major). */
function outputTransform(
  M: Float32Array,
  out: Float32Array,
  B: number,
  Cout: number,
  To: number,
  d: number,
  Q: number,
): void {
  const P = Q * d, MS = Cout * B * P;
  for (let co = 0; co < Cout; co++) {
    for (let b = 0; b < B; b++) {
      const src = (co * B + b) * P, dst = (b * Cout + co) * To;
      // phase r outer, pairs q inner (d is 1-3: an inner loop over r would be all overhead);
      // y0 = out[2dq + r] exists for q < q0, y1 = out[2dq + r + d] for q < q1 <= q0
      for (let r = 0; r < d; r++) {
        const q0 = pairsBelow(To - r, d, Q), q1 = pairsBelow(To - d - r, d, Q);
        let si = src + r, oi = dst + r;
        for (let q = 0; q < q1; q++, si += d, oi += 2 * d) {
          const m0 = M[si], m1 = M[MS + si], m2 = M[2 * MS + si], m3 = M[3 * MS + si];
          out[oi] += m0 + m1 + m2;
          out[oi + d] += m1 - m2 - m3;
        }
        for (let q = q1; q < q0; q++, si += d, oi += 2 * d) out[oi] += M[si] + M[MS + si] + M[2 * MS + si];
      }
    }
  }
}

/**
 * Adds the weight gradient of {@link convWinograd3} for output gradient gy [B, Cout, To] into gw
 * [Cout, Cin, 3], in the transformed domain: with dm = (g0, g0 + g1, g0 − g1, −g1) per output pair
 * (g0 at t, g1 at t + d), dU_j = Σ_pairs dm_j · v_jᵀ (four kernel products over the pairs, 2/3 of
 * the direct multiply-adds) and dW = Gᵀ dU: dw0 = dU0 + (dU1 + dU2)/2, dw1 = (dU1 − dU2)/2,
 * dw2 = (dU1 + dU2)/2 + dU3.
 */
export function convWinograd3WeightGrad(
  gy: Float32Array,
  x: Float32Array,
  g: ConvGeometry,
  gw: Float32Array,
): void {
  const { B, Cin, T, Cout, d, p, To } = g;
  const Q = Math.ceil(To / (2 * d)), P = Q * d, BP = B * P;
  // channel-major transformed inputs Vc_j [ci, (b,q')] and output gradients dM_j [co, (b,q')]
  const Vc = scratch("wino.vc", 4 * Cin * BP), VS = Cin * BP;
  const Lp = 2 * d * Q + 3 * d + 1, front = Math.max(0, p), row = scratch("wino.row", Lp + front);
  for (let ci = 0; ci < Cin; ci++) {
    for (let b = 0; b < B; b++) {
      // zero-padded copy of x[b, ci, :] so that position s sits at row[s + front]
      row.fill(0);
      const xo = (b * Cin + ci) * T;
      for (let t = Math.max(0, -front); t < Math.min(T, Lp); t++) row[t + front] = x[xo + t];
      const dst = ci * BP + b * P, base = front - p;
      for (let r = 0; r < d; r++) {
        for (let q = 0, s = base + r, o = dst + r; q < Q; q++, s += 2 * d, o += d) {
          const x0 = row[s], x1 = row[s + d], x2 = row[s + 2 * d], x3 = row[s + 3 * d];
          Vc[o] = x0 - x2;
          Vc[VS + o] = x1 + x2;
          Vc[2 * VS + o] = x2 - x1;
          Vc[3 * VS + o] = x1 - x3;
        }
      }
    }
  }
  const dM = scratch("wino.dm", 4 * Cout * BP), MS = Cout * BP;
  for (let co = 0; co < Cout; co++) {
    for (let b = 0; b < B; b++) {
      const src = (b * Cout + co) * To, dst = co * BP + b * P;
      // g0 = gy[2dq + r] exists for q < q0, g1 = gy[2dq + r + d] for q < q1 <= q0; zeros past To
      for (let r = 0; r < d; r++) {
        const q0 = pairsBelow(To - r, d, Q), q1 = pairsBelow(To - d - r, d, Q);
        let o = dst + r, gs = src + r, q = 0;
        for (; q < q1; q++, o += d, gs += 2 * d) {
          const g0 = gy[gs], g1 = gy[gs + d];
          dM[o] = g0;
          dM[MS + o] = g0 + g1;
          dM[2 * MS + o] = g0 - g1;
          dM[3 * MS + o] = -g1;
        }
        for (; q < Q; q++, o += d, gs += 2 * d) {
          const g0 = q < q0 ? gy[gs] : 0;
          dM[o] = g0;
          dM[MS + o] = g0;
          dM[2 * MS + o] = g0;
          dM[3 * MS + o] = 0;
        }
      }
    }
  }
  const dU = scratch("wino.du", 4 * Cout * Cin), S = Cout * Cin;
  for (let j = 0; j < 4; j++) {
    wasmTiles(
      Cout,
      Cin,
      BP,
      dM.subarray(j * MS, (j + 1) * MS),
      Vc.subarray(j * VS, (j + 1) * VS),
      (tile, r0) => dU.set(tile, j * S + r0 * Cin),
    );
  }
  for (let i = 0; i < S; i++) {
    const u0 = dU[i], u1 = dU[S + i], u2 = dU[2 * S + i], u3 = dU[3 * S + i], o = i * 3;
    gw[o] += u0 + 0.5 * (u1 + u2);
    gw[o + 1] += 0.5 * (u1 - u2);
    gw[o + 2] += 0.5 * (u1 + u2) + u3;
  }
}
