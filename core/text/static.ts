/**
 * The static-embedding text model (sentence-transformers StaticEmbedding; model2vec-style): a
 * WordPiece tokenizer trained on the training texts (core/text/wordpiece.ts), a token table
 * [vocab, dim] initialised from token idf (core/text/model.ts), mean pooling. Export: ONNX Gather of the
 * table -> last_hidden_state, pooled by the `text` backbone exactly as training pools.
 * @module
 */
import { Graph } from "../onnx/writer.ts";
import type { Tensor } from "../autodiff/tensor.ts";
import { poolAndDeclare, writeModelFolder } from "./export.ts";
import { StaticEmbedding, staticInit, tokenIdf, type TrainableTextModel } from "./model.ts";
import { countWords, loadTokenizer, trainWordPiece, wordPieceTokenizerJson } from "./wordpiece.ts";

/** Options of the static model. */
export interface StaticModelConfig {
  readonly kind: "static";
  /** WordPiece vocabulary size (default 8000). */
  readonly vocabSize?: number;
  /** Embedding dimension (default 384). */
  readonly dim?: number;
  /** Table initialisation (default "idf"). */
  readonly init?: "idf" | "normal";
  /** Initial standard deviation (default 0.1; scaled by idf / mean idf with "idf"). */
  readonly initStd?: number;
  /** Texts are cut to this many tokens (default 512, the `text` backbone's default). */
  readonly maxLength?: number;
  /** Minimum pair frequency of a WordPiece merge (default 2). */
  readonly minFrequency?: number;
  /** A tokenizer.json to use instead of training one. */
  readonly tokenizer?: Record<string, unknown>;
}

/** Builds the static model: trains the tokenizer on `trainTexts`, initialises the table with `seed`. */
export function createStaticModel(
  cfg: StaticModelConfig,
  trainTexts: readonly string[],
  seed: number,
): TrainableTextModel<Int32Array> {
  const vocabSize = cfg.vocabSize ?? 8000, dim = cfg.dim ?? 384, maxLength = cfg.maxLength ?? 512;
  const tokJson = cfg.tokenizer ??
    wordPieceTokenizerJson(
      trainWordPiece(countWords(trainTexts), { vocabSize, minFrequency: cfg.minFrequency }),
    );
  const tokenizer = loadTokenizer(tokJson);
  const cache = new Map<string, Int32Array>();
  const ids = (t: string) => {
    let s = cache.get(t);
    if (!s) cache.set(t, s = tokenizer.encode(t, maxLength));
    return s;
  };
  const V = tokenizer.vocabSize;
  const init = cfg.init ?? "idf";
  const table = staticInit(V, dim, {
    init,
    std: cfg.initStd ?? 0.1,
    seed,
    idf: init === "idf" ? tokenIdf(trainTexts.map(ids), V) : undefined,
  });
  const module = new StaticEmbedding(V, dim, table);
  const describe = () => ({
    architecture: "static-embedding",
    vocabSize: V,
    dim,
    pooling: "mean",
    maxLength,
    init,
  });
  return {
    kind: "static",
    dim,
    module,
    tokenizer,
    prepare: (texts) => Promise.resolve(texts.map(ids)),
    forward: (items): Tensor => module.embedIds(items),
    describe,
    async exportFolder(dir, record) {
      const g = new Graph("embedkit-static-embedding");
      const inputIds = g.input("input_ids", ["batch", "tokens"], "int64");
      const mask = g.input("attention_mask", ["batch", "tokens"], "int64");
      const w = g.init("embedding.weight", [V, dim], module.weight.data);
      const hidden = g.op("Gather", [w, inputIds], { axis: 0 });
      poolAndDeclare(g, hidden, mask, dim);
      await writeModelFolder(dir, {
        graph: g,
        tokenizer: tokJson,
        dim,
        maxLength,
        config: { embedkit_architecture: "static-embedding", ...describe() },
        record,
      });
    },
  };
}
