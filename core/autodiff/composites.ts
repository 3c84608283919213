/**
 * Composite differentiable ops used across layers and losses: L2 row normalisation (torch
 * F.normalize), cosine and squared-Euclidean distance matrices, and the gradient reversal layer.
 * @module
 */
import { result, type Tensor } from "./tensor.ts";
import { add, relu, scale, square, sub } from "./elementwise.ts";
import { reshape } from "./shape_ops.ts";
import { sum } from "./reductions.ts";
import { matmul } from "./matmul.ts";

/** Rows scaled to unit L2 norm along the last axis: x / max(||x||, eps) (as torch F.normalize). */
export function l2normalize(x: Tensor, eps = 1e-12): Tensor {
  const C = x.shape[x.shape.length - 1], R = x.size / C;
  const out = new Float32Array(x.size), norms = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += x.data[r * C + c] ** 2;
    const n = Math.max(Math.sqrt(s), eps);
    norms[r] = n;
    for (let c = 0; c < C; c++) out[r * C + c] = x.data[r * C + c] / n;
  }
  return result(out, x.shape, [x], (g) => {
    const gx = x.gradBuf();
    for (let r = 0; r < R; r++) {
      const o = r * C, n = norms[r];
      let dot = 0;
      for (let c = 0; c < C; c++) dot += g[o + c] * out[o + c];
      const clamped = n <= eps;
      for (let c = 0; c < C; c++) gx[o + c] += clamped ? g[o + c] / n : (g[o + c] - out[o + c] * dot) / n;
    }
  });
}

/** Cosine similarity matrix of the rows of a [N, D] and b [M, D]: [N, M]. */
export function cosineMatrix(a: Tensor, b: Tensor): Tensor {
  return matmul(l2normalize(a), l2normalize(b), { transB: true });
}

/** Squared Euclidean distances between rows of a [N, D] and b [M, D]: [N, M] (clamped at 0). */
export function sqDistMatrix(a: Tensor, b: Tensor): Tensor {
  const aa = sum(square(a), 1, true); // [N,1]
  const bb = reshape(sum(square(b), 1), [1, b.shape[0]]); // [1,M]
  return relu(add(sub(aa, scale(matmul(a, b, { transB: true }), 2)), bb));
}

/** Forward identity, backward multiplies the gradient by -lambda (gradient reversal layer, Ganin & Lempitsky). */
export function gradReverse(x: Tensor, lambda = 1): Tensor {
  return result(x.data, x.shape, [x], (g) => {
    const gx = x.gradBuf();
    for (let i = 0; i < g.length; i++) gx[i] -= lambda * g[i];
  });
}
