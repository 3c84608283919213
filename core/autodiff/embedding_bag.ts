/**
 * Embedding lookups with sparse gradients (torch.nn.EmbeddingBag / F.embedding semantics):
 * - {@link embeddingBag}: bag b = ids[offsets[b] .. offsets[b+1]), output row = mean (or sum) of the
 *   weight rows of its ids; an empty bag gives zeros (as EmbeddingBag with include_last_offset).
 * - {@link embeddingRows}: one weight row per id, [N, D] (a gather).
 * Backward adds each output gradient into the rows that were read, touching only those rows: the
 * cost follows the batch's tokens, not the vocabulary. Gradients accumulate into the weight's dense
 * grad buffer, so every optimiser works unchanged.
 * @module
 */
import { result, type Tensor } from "./tensor.ts";

/** Bags of ids: `ids` concatenated, bag b is ids[offsets[b] .. offsets[b+1]) (offsets has B+1 entries). */
export interface IdBags {
  readonly ids: Int32Array;
  readonly offsets: Int32Array;
}

/** Packs id arrays into {@link IdBags}. */
export function packBags(seqs: readonly ArrayLike<number>[]): IdBags {
  const offsets = new Int32Array(seqs.length + 1);
  for (let i = 0; i < seqs.length; i++) offsets[i + 1] = offsets[i] + seqs[i].length;
  const ids = new Int32Array(offsets[seqs.length]);
  seqs.forEach((s, i) => ids.set(s, offsets[i]));
  return { ids, offsets };
}

function checkIds(weight: Tensor, ids: Int32Array, who: string): void {
  const V = weight.shape[0];
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < V)) {
      throw new RangeError(`${who}: id ${ids[i]} at position ${i} is outside the table's ${V} rows`);
    }
  }
}

/** Mean (default) or sum of the weight rows of each bag: [B, D]. */
export function embeddingBag(weight: Tensor, bags: IdBags, mode: "mean" | "sum" = "mean"): Tensor {
  if (weight.shape.length !== 2) {
    throw new RangeError(`embeddingBag: weight must be [V, D], got [${weight.shape}]`);
  }
  const { ids, offsets } = bags;
  checkIds(weight, ids, "embeddingBag");
  const D = weight.shape[1], B = offsets.length - 1, w = weight.data;
  const out = new Float32Array(B * D);
  const scaleOf = (b: number) => {
    const n = offsets[b + 1] - offsets[b];
    return mode === "mean" ? (n > 0 ? 1 / n : 0) : 1;
  };
  const acc = new Float32Array(D);
  for (let b = 0; b < B; b++) {
    acc.fill(0);
    for (let t = offsets[b]; t < offsets[b + 1]; t++) {
      const r = ids[t] * D;
      for (let j = 0; j < D; j++) acc[j] += w[r + j];
    }
    const s = scaleOf(b), o = b * D;
    for (let j = 0; j < D; j++) out[o + j] = acc[j] * s;
  }
  return result(out, [B, D], [weight], (g) => {
    if (!weight.requiresGrad) return;
    const gw = weight.gradBuf();
    for (let b = 0; b < B; b++) {
      const s = scaleOf(b), o = b * D;
      for (let t = offsets[b]; t < offsets[b + 1]; t++) {
        const r = ids[t] * D;
        for (let j = 0; j < D; j++) gw[r + j] += g[o + j] * s;
      }
    }
  });
}

/** Weight rows of `ids`: [N, D]. */
export function embeddingRows(weight: Tensor, ids: Int32Array): Tensor {
  if (weight.shape.length !== 2) {
    throw new RangeError(`embeddingRows: weight must be [V, D], got [${weight.shape}]`);
  }
  checkIds(weight, ids, "embeddingRows");
  const D = weight.shape[1], N = ids.length, out = new Float32Array(N * D);
  for (let i = 0; i < N; i++) out.set(weight.data.subarray(ids[i] * D, ids[i] * D + D), i * D);
  return result(out, [N, D], [weight], (g) => {
    if (!weight.requiresGrad) return;
    const gw = weight.gradBuf();
    for (let i = 0; i < N; i++) {
      const r = ids[i] * D, o = i * D;
      for (let j = 0; j < D; j++) gw[r + j] += g[o + j];
    }
  });
}
