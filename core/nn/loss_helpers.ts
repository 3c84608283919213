/**
 * Pieces shared by the loss plugins: input checks with clear messages, class-weight initialisation,
 * label masks and the cosine classifier of the additive-margin losses.
 * @module
 */
import { param, type Tensor } from "../autodiff/tensor.ts";
import { cosineMatrix } from "../autodiff/ops.ts";
import type { LossInput } from "../contracts/loss.ts";
import { StatefulRng } from "./rng.ts";

/** The [B, D] embeddings of a loss input, checked against the configured dimension. */
export function embeddings2d(x: Tensor, dim: number | undefined, loss: string, field = "embeddings"): Tensor {
  if (!x || typeof x !== "object" || !("shape" in x)) {
    throw new RangeError(`${loss}: '${field}' must be a Tensor [batch, dim]`);
  }
  if (x.shape.length !== 2) {
    throw new RangeError(`${loss}: '${field}' must be [batch, dim], got [${x.shape}]`);
  }
  if (dim !== undefined && x.shape[1] !== dim) {
    throw new RangeError(
      `${loss}: '${field}' have dim ${x.shape[1]}, the loss was created with dim ${dim}; set option 'dim'`,
    );
  }
  if (x.shape[0] === 0) throw new RangeError(`${loss}: empty batch`);
  return x;
}

/** Integer labels for a batch of B, each in [0, numClasses) when given. */
export function labelsFor(
  labels: Int32Array | undefined,
  B: number,
  loss: string,
  numClasses?: number,
): Int32Array {
  if (!(labels instanceof Int32Array)) {
    throw new RangeError(`${loss}: needs 'labels' (Int32Array, one per embedding)`);
  }
  if (labels.length !== B) throw new RangeError(`${loss}: ${labels.length} labels for ${B} embeddings`);
  if (numClasses !== undefined) {
    for (let i = 0; i < B; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new RangeError(
          `${loss}: label ${labels[i]} at row ${i} is outside 0..${numClasses - 1}; set option 'numClasses'`,
        );
      }
    }
  }
  return labels;
}

/** [B, C] mask with 1 at (b, labels[b]). */
export function oneHot(labels: Int32Array, C: number): Float32Array {
  const m = new Float32Array(labels.length * C);
  labels.forEach((y, b) => (m[b * C + y] = 1));
  return m;
}

/** Xavier-normal class weights [rows, dim] from a seed. */
export function classWeights(rows: number, dim: number, seed: number): Float32Array {
  const rng = new StatefulRng(seed);
  const std = Math.sqrt(2 / (rows + dim));
  const w = new Float32Array(rows * dim);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
  return w;
}

/** Options shared by the additive cosine-margin losses (am-softmax, real-am-softmax). */
export interface CosineMarginConfig {
  dim: number;
  numClasses: number;
  scale: number;
  margin: number;
  seed: number;
}

/**
 * The cosine classifier of the margin losses: Xavier class weights [C, D] (the loss's parameter) and,
 * per batch, the checked labels and cos θ [B, C] between L2-normalised embeddings and class weights.
 */
export function cosineClassifier(
  c: CosineMarginConfig,
  loss: string,
): { weight: Tensor; cosines(input: LossInput): { cos: Tensor; labels: Int32Array } } {
  const weight = param(classWeights(c.numClasses, c.dim, c.seed), [c.numClasses, c.dim], "weight");
  return {
    weight,
    cosines(input) {
      const x = embeddings2d(input.embeddings, c.dim, loss);
      const labels = labelsFor(input.labels, x.shape[0], loss, c.numClasses);
      return { cos: cosineMatrix(x, weight), labels };
    },
  };
}
