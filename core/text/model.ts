/**
 * What the text trainer needs from a model, and the static-embedding model (sentence-transformers'
 * StaticEmbedding: a token-embedding table, mean pooling over the tokens of a text). Texts are turned
 * into model items once (`prepare`: token ids, or frozen features for an adapter); `forward` embeds a
 * batch of items on the autodiff tape.
 *
 * Static initialisation "idf" (default): row t ~ N(0, std²) · idf(t) / mean(idf), idf from the
 * training texts (smooth, ln((1+n)/(1+df)) + 1): a random projection of TF-IDF at step 0, so rare
 * tokens already count more and tokens the training pairs never update keep a useful lexical vector.
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { embeddingBag, packBags } from "../autodiff/embedding_bag.ts";
import { Module } from "../nn/module.ts";
import { StatefulRng } from "../nn/rng.ts";
import type { TextTokenizer } from "./wordpiece.ts";

/** A model the text trainer can train, evaluate and export. */
export interface TrainableTextModel<R = unknown> {
  /** "static", "transformer" or "adapter". */
  readonly kind: string;
  /** Output dimension. */
  readonly dim: number;
  /** Trainable module (parameters, state dict, train/eval mode). */
  readonly module: Module;
  /** The tokenizer, for token models. */
  readonly tokenizer?: TextTokenizer;
  /** Model items of texts (token ids, or frozen features). */
  prepare(texts: readonly string[]): Promise<R[]>;
  /** Embeddings of a batch of items on the tape: [B, dim]. */
  forward(items: readonly R[]): Tensor;
  /** Architecture facts for the model card and config.json. */
  describe(): Record<string, unknown>;
  /** Writes a transformers.js model folder; `record` (training config, seed, history) goes into it. */
  exportFolder(dir: string, record: Record<string, unknown>): Promise<void>;
}

/** Smooth idf per token id over tokenised texts: ln((1 + n) / (1 + df)) + 1. */
export function tokenIdf(seqs: readonly Int32Array[], vocab: number): Float64Array {
  const df = new Float64Array(vocab), seen = new Int32Array(vocab).fill(-1);
  seqs.forEach((s, d) => {
    for (const t of s) {
      if (seen[t] !== d) {
        seen[t] = d;
        df[t]++;
      }
    }
  });
  return df.map((x) => Math.log((1 + seqs.length) / (1 + x)) + 1);
}

/** The token table of a static model: `embedding.weight` [vocab, dim]. */
export class StaticEmbedding extends Module {
  readonly weight: Tensor;
  constructor(readonly vocab: number, readonly dim: number, init: Float32Array) {
    super();
    this.weight = this.addParam("embedding.weight", init, [vocab, dim]);
  }
  /** Mean of the token rows of each id sequence: [B, dim] (an empty text gives zeros). */
  embedIds(seqs: readonly ArrayLike<number>[]): Tensor {
    return embeddingBag(this.weight, packBags(seqs), "mean");
  }
  forward(): Tensor {
    throw new Error("StaticEmbedding embeds token ids: call embedIds(seqs)");
  }
}

/** Initial table of a static model. */
export function staticInit(
  vocab: number,
  dim: number,
  o: { init: "idf" | "normal"; std: number; seed: number; idf?: Float64Array },
): Float32Array {
  const rng = new StatefulRng(o.seed);
  const w = new Float32Array(vocab * dim);
  let mean = 1;
  if (o.init === "idf") {
    if (!o.idf) throw new RangeError("staticInit: init 'idf' needs the token idf");
    mean = o.idf.reduce((a, x) => a + x, 0) / vocab;
  }
  for (let t = 0; t < vocab; t++) {
    const s = o.init === "idf" ? (o.std * o.idf![t]) / mean : o.std;
    for (let j = 0; j < dim; j++) w[t * dim + j] = rng.normal() * s;
  }
  return w;
}
