/**
 * Concrete k-means (Gao et al., "Concrete k-means"): assignments are sampled with the Gumbel-softmax
 * (concrete) relaxation and made hard with a straight-through estimator, so centroids (and a head that
 * produces the embeddings) can be trained by back-propagation.
 *
 * Forward, for embeddings x (n x d) and centroids c (k x d):
 *   logits  l_ij = -|x_i - c_j|^2                         (squared Euclidean; negative distortion)
 *   soft    s_ij = softmax_j((l_ij + g_ij) / tau),  g_ij = -log(-log u_ij), u ~ U(0, 1)   (g = 0 when no rng)
 *   hard    y_ij = onehot(argmax_j s_ij)
 *   straight-through value y = hard - stopgrad(soft) + soft  (equals `hard` forward)
 * Backward (straight-through: dL/dsoft := dL/dy):
 *   dL/dl_ij = (1/tau) s_ij (G_ij - sum_m s_im G_im),  G = dL/dy            ({@link softBackward})
 *   dL/dc_j  = sum_i dL/dl_ij * 2 (x_i - c_j),  dL/dx_i = -sum_j dL/dl_ij * 2 (x_i - c_j)   ({@link logitsBackward})
 * The trainable loss (e.g. the concrete distortion |x_i - sum_j y_ij c_j|^2) is owned by the losses;
 * {@link distortion} is the reference form used by the `concrete-kmeans` clusterer's own fitting loop.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { sqEuclideanMatrix } from "../kernels/distance.ts";
import type { Rng } from "../random.ts";

/** Forward outputs of the concrete assignment. */
export interface ConcreteAssignment {
  /** n x k logits -|x - c|^2. */
  readonly logits: Float32Array;
  /** n x k Gumbel-softmax probabilities (the soft branch). */
  readonly soft: Float32Array;
  /** Hard assignment argmax_j soft_ij (the forward value of the straight-through estimator). */
  readonly hard: Int32Array;
}

/** Concrete (Gumbel-softmax) assignment; with no `rng` the noise is zero (deterministic probabilities). */
export function concreteAssign(x: Matrix, c: Matrix, tau: number, rng?: Rng): ConcreteAssignment {
  if (x.cols !== c.cols) {
    throw new RangeError(`concrete k-means: embedding dim ${x.cols} != centroid dim ${c.cols}`);
  }
  if (!(tau > 0)) throw new RangeError(`concrete k-means: temperature must be > 0, got ${tau}`);
  const n = x.rows, k = c.rows;
  const d2 = sqEuclideanMatrix(x, c).data;
  const logits = new Float32Array(n * k);
  const soft = new Float32Array(n * k);
  const hard = new Int32Array(n);
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let j = 0; j < k; j++) {
      const l = -d2[i * k + j];
      logits[i * k + j] = l;
      let g = 0;
      if (rng) {
        let u = rng.next();
        while (u === 0) u = rng.next();
        g = -Math.log(-Math.log(u));
      }
      z[j] = (l + g) / tau;
      if (z[j] > mx) (mx = z[j]), (hard[i] = j);
    }
    let s = 0;
    for (let j = 0; j < k; j++) s += z[j] = Math.exp(z[j] - mx);
    for (let j = 0; j < k; j++) soft[i * k + j] = z[j] / s;
  }
  return { logits, soft, hard };
}

/** Straight-through backward of the softmax: dL/dlogits from dL/dy (n x k). */
export function softBackward(soft: Float32Array, gradY: Float32Array, k: number, tau: number): Float32Array {
  const out = new Float32Array(soft.length);
  for (let i = 0; i < soft.length / k; i++) {
    let dot = 0;
    for (let j = 0; j < k; j++) dot += soft[i * k + j] * gradY[i * k + j];
    for (let j = 0; j < k; j++) out[i * k + j] = (soft[i * k + j] * (gradY[i * k + j] - dot)) / tau;
  }
  return out;
}

/** Backward of l_ij = -|x_i - c_j|^2 to the centroids and the embeddings. */
export function logitsBackward(
  x: Matrix,
  c: Matrix,
  gradL: Float32Array,
): { gradC: Float32Array; gradX: Float32Array } {
  const n = x.rows, k = c.rows, d = x.cols;
  const gradC = new Float32Array(k * d);
  const gradX = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const g = gradL[i * k + j];
      if (g === 0) continue;
      for (let t = 0; t < d; t++) {
        const diff = 2 * (x.data[i * d + t] - c.data[j * d + t]);
        gradC[j * d + t] += g * diff;
        gradX[i * d + t] -= g * diff;
      }
    }
  }
  return { gradC, gradX };
}

/**
 * Reference concrete distortion L = (1/n) sum_i |x_i - c_{hard(i)}|^2 with straight-through gradients
 * to the centroids: the direct term through the selected centroid plus the soft path through the logits.
 */
export function distortion(
  x: Matrix,
  c: Matrix,
  a: ConcreteAssignment,
  tau: number,
): { loss: number; gradC: Float32Array } {
  const n = x.rows, k = c.rows, d = x.cols;
  let loss = 0;
  const gradY = new Float32Array(n * k);
  const gradC = new Float32Array(k * d);
  for (let i = 0; i < n; i++) {
    const h = a.hard[i];
    for (let t = 0; t < d; t++) {
      const r = x.data[i * d + t] - c.data[h * d + t];
      loss += r * r;
      gradC[h * d + t] += (-2 * r) / n; // d/dc_h of |x - y c|^2 with y = onehot(h)
    }
    // dL/dy_ij = -2 (x_i - c_h) . c_j / n
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += (x.data[i * d + t] - c.data[h * d + t]) * c.data[j * d + t];
      gradY[i * k + j] = (-2 * dot) / n;
    }
  }
  const gL = softBackward(a.soft, gradY, k, tau);
  const { gradC: viaLogits } = logitsBackward(x, c, gL);
  for (let t = 0; t < gradC.length; t++) gradC[t] += viaLogits[t];
  return { loss: loss / n, gradC };
}
