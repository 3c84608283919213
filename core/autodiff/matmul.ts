/**
 * Differentiable matrix products over the GEMM kernels: 2-d matmul with transposes, batched bmm, and
 * the fused linear layer y = x·Wᵀ + b (PyTorch's layout).
 * @module
 */
import { result, type Tensor } from "./tensor.ts";
import { gemm, gemmNN, gemmNT, gemmTN } from "./gemm.ts";

/** 2-d product a[M,K]·b[K,N], with optional transposes (a^T is [K,M] stored, b^T is [N,K] stored). */
export function matmul(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new RangeError(`matmul: needs 2-d tensors, got [${a.shape}] and [${b.shape}]`);
  }
  const tA = !!opts.transA, tB = !!opts.transB;
  const M = tA ? a.shape[1] : a.shape[0], K = tA ? a.shape[0] : a.shape[1];
  const Kb = tB ? b.shape[1] : b.shape[0], N = tB ? b.shape[0] : b.shape[1];
  if (K !== Kb) {
    throw new RangeError(
      `matmul: inner dimensions differ: [${a.shape}]${tA ? "^T" : ""} · [${b.shape}]${tB ? "^T" : ""}`,
    );
  }
  const out = new Float32Array(M * N);
  gemm(tA, tB, M, N, K, a.data, b.data, out, false);
  return result(out, [M, N], [a, b], (g) => {
    // C = op(A) op(B): dop(A) = G op(B)^T, dop(B) = op(A)^T G
    if (a.requiresGrad) {
      if (!tA) gemm(false, !tB, M, K, N, g, b.data, a.gradBuf(), true); // dA[M,K] = G[M,N] op(B)^T
      else gemm(tB, true, K, M, N, b.data, g, a.gradBuf(), true); // dA[K,M] = op(B) G^T
    }
    if (b.requiresGrad) {
      if (!tB) gemm(!tA, false, K, N, M, a.data, g, b.gradBuf(), true); // dB[K,N] = op(A)^T G
      else gemm(true, tA, N, K, M, g, a.data, b.gradBuf(), true); // dB[N,K] = G^T op(A)
    }
  });
}

/** Batched product over a leading axis: a[G,M,K]·b[G,K,N] (or b^T stored [G,N,K] with transB). */
export function bmm(a: Tensor, b: Tensor, transB = false): Tensor {
  const [G, M, K] = a.shape;
  const N = transB ? b.shape[1] : b.shape[2];
  const Kb = transB ? b.shape[2] : b.shape[1];
  if (b.shape[0] !== G || Kb !== K) {
    throw new RangeError(`bmm: [${a.shape}] · [${b.shape}]${transB ? "^T" : ""}`);
  }
  const out = new Float32Array(G * M * N);
  const sa = M * K, sb = K * N, sc = M * N;
  for (let g = 0; g < G; g++) {
    gemm(
      false,
      transB,
      M,
      N,
      K,
      a.data.subarray(g * sa, (g + 1) * sa),
      b.data.subarray(g * sb, (g + 1) * sb),
      out.subarray(g * sc, (g + 1) * sc),
      false,
    );
  }
  return result(out, [G, M, N], [a, b], (gr) => {
    for (let g = 0; g < G; g++) {
      const gg = gr.subarray(g * sc, (g + 1) * sc);
      const ad = a.data.subarray(g * sa, (g + 1) * sa), bd = b.data.subarray(g * sb, (g + 1) * sb);
      if (a.requiresGrad) {
        gemm(false, !transB, M, K, N, gg, bd, a.gradBuf().subarray(g * sa, (g + 1) * sa), true);
      }
      if (b.requiresGrad) {
        const gb = b.gradBuf().subarray(g * sb, (g + 1) * sb);
        if (!transB) gemm(true, false, K, N, M, ad, gg, gb, true);
        else gemm(true, false, N, K, M, gg, ad, gb, true);
      }
    }
  });
}

/** y = x·Wᵀ + b for x [..., in], W [out, in], b [out] (fused; the layout PyTorch's Linear uses). */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [O, I] = w.shape;
  if (x.shape[x.shape.length - 1] !== I) {
    throw new RangeError(`linear: input has ${x.shape[x.shape.length - 1]} features, weight expects ${I}`);
  }
  const R = x.size / I;
  const out = new Float32Array(R * O);
  gemmNT(R, O, I, x.data, w.data, out, false);
  if (b) { for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) out[r * O + o] += b.data[o]; }
  const shape = [...x.shape.slice(0, -1), O];
  return result(out, shape, b ? [x, w, b] : [x, w], (g) => {
    if (x.requiresGrad) gemmNN(R, I, O, g, w.data, x.gradBuf(), true);
    if (w.requiresGrad) gemmTN(O, I, R, g, x.data, w.gradBuf(), true);
    if (b?.requiresGrad) {
      const gb = b.gradBuf();
      for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) gb[o] += g[r * O + o];
    }
  });
}
