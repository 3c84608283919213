/**
 * The scalar options of the text-training recipe (core/pipelines/train_text.ts), declared once: defaults,
 * bounds and help for the library, validation messages and the CLI (`train --modality text`) come from
 * here. They map onto core/text/train.ts's config ({@link textTrainConfig}).
 * @module
 */
import { ConfigError } from "../errors.ts";
import { opt, type SchemaOf } from "../options.ts";
import type { TextModelConfig, TextTrainConfig } from "../text/train.ts";
import type { Resolved } from "./stages/mod.ts";

/** The scalar options of `train --modality text`. */
export interface TextRecipeConfig {
  /** static (token table + mean pooling), transformer (from scratch) or adapter (head on a frozen backbone). */
  model: "static" | "transformer" | "adapter";
  /** Output dimension (null: 384 for static/adapter, 128 for transformer). */
  dim: number | null;
  /** WordPiece vocabulary size (static, transformer). */
  vocabSize: number;
  /** Transformer blocks. */
  layers: number;
  /** Transformer attention heads. */
  heads: number;
  /** Texts are cut to this many tokens in training (null: 512 static, 64 transformer). */
  maxLength: number | null;
  /** Adapter MLP hidden width (0 = a linear head). */
  hidden: number;
  /** Matryoshka dims of the default loss and of the dev table (cut to the model dim). */
  dims: number[];
  /** Epochs. */
  epochs: number;
  /** Pairs per batch (the in-batch negatives of MNRL). */
  batchSize: number;
  /** Peak learning rate (null: 0.1 static, 1e-3 otherwise). */
  lr: number | null;
  /** Fraction of the steps spent warming up. */
  warmupRatio: number;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  /** Global gradient-norm clip (0 = off). */
  clipNorm: number;
  /** Hard negatives: none, the pairs' `negative` column, or BM25-mined. */
  hardNegatives: "none" | "column" | "bm25";
  /** BM25 candidates per pair a negative is drawn from. */
  hardNegativeTopK: number;
  /** A column whose equal values are never each other's mined negatives ("" = none). */
  groupColumn: string;
  /** Read at most this many training pairs (null = all). */
  limit: number | null;
  /** Read at most this many dev pairs (null = all). */
  devLimit: number | null;
}

/** The options of `train --modality text`, declared once. */
export const TEXT_TRAIN_OPTIONS: SchemaOf<TextRecipeConfig> = {
  model: opt.oneOf(
    ["static", "transformer", "adapter"] as const,
    "static",
    "static (token table + mean pooling), transformer (from scratch) or adapter (head on a frozen backbone)",
  ),
  dim: opt.integer(null, "output dimension (null: 384; transformer 128)", {
    min: 1,
    max: 4096,
    nullable: true,
  }),
  vocabSize: opt.integer(8000, "WordPiece vocabulary size trained on the pairs", { min: 16, max: 1 << 20 }),
  layers: opt.integer(2, "transformer blocks", { min: 1, max: 48 }),
  heads: opt.integer(4, "transformer attention heads (must divide dim)", { min: 1, max: 64 }),
  maxLength: opt.integer(null, "tokens per text in training (null: 512; transformer 64)", {
    min: 1,
    max: 1 << 16,
    nullable: true,
  }),
  hidden: opt.integer(0, "adapter MLP hidden width (0 = linear head)", { min: 0, max: 1 << 16 }),
  dims: opt.numbers(
    [384, 256, 128, 64],
    "Matryoshka dims of the loss and the dev table (cut to the model dim)",
    {
      integer: true,
      min: 1,
      minItems: 1,
    },
  ),
  epochs: opt.integer(4, "epochs", { min: 1, max: 10000 }),
  batchSize: opt.integer(1024, "pairs per batch (MNRL's in-batch negatives)", { min: 2, max: 1 << 20 }),
  lr: opt.number(null, "peak learning rate (AdamW; null: 0.1 static, 1e-3 otherwise)", {
    gt: 0,
    nullable: true,
  }),
  warmupRatio: opt.number(0.1, "fraction of the steps spent warming up (then linear decay to 0)", {
    min: 0,
    lt: 1,
  }),
  weightDecay: opt.number(0, "AdamW decoupled weight decay", { min: 0 }),
  clipNorm: opt.number(0, "global gradient-norm clip (0 = off)", { min: 0 }),
  hardNegatives: opt.oneOf(
    ["none", "column", "bm25"] as const,
    "none",
    "hard negatives: none, the pairs' 'negative' column, or BM25-mined afresh each epoch",
  ),
  hardNegativeTopK: opt.integer(10, "BM25 candidates per pair a negative is drawn from", {
    min: 1,
    max: 1000,
  }),
  groupColumn: opt.string(
    "",
    "column whose equal values are never each other's mined negatives (e.g. source)",
  ),
  limit: opt.integer(null, "read at most this many training pairs (null = all)", { min: 2, nullable: true }),
  devLimit: opt.integer(null, "read at most this many dev pairs (null = all)", { min: 1, nullable: true }),
};

/** Checks that involve several options (per-option bounds come from the declarations). */
export function checkTextTrainConfig(c: TextRecipeConfig): TextRecipeConfig {
  const dim = c.dim ?? (c.model === "transformer" ? 128 : 384);
  if (c.model === "transformer" && dim % c.heads) {
    throw new ConfigError(
      "train --modality text",
      `transformer dim ${dim} must be divisible by heads ${c.heads}`,
    );
  }
  if (!c.dims.some((d) => d <= dim)) {
    throw new ConfigError(
      "train --modality text",
      `no Matryoshka dim of [${c.dims}] fits the model dim ${dim}; give dims <= ${dim}`,
    );
  }
  return c;
}

/** core/text/train.ts's config from the recipe's options, the run seed and the resolved plugins. */
export function textTrainConfig(
  c: TextRecipeConfig,
  seed: number,
  loss: Resolved<"loss">,
  backbone?: Resolved<"backbone">,
): TextTrainConfig {
  const dim = c.dim ?? undefined, maxLength = c.maxLength ?? undefined;
  const model: TextModelConfig = c.model === "static"
    ? { kind: "static", vocabSize: c.vocabSize, dim, maxLength }
    : c.model === "transformer"
    ? { kind: "transformer", vocabSize: c.vocabSize, dim, layers: c.layers, heads: c.heads, maxLength }
    : {
      kind: "adapter",
      backbone: backbone!.name,
      backboneOptions: backbone!.options,
      dim,
      hidden: c.hidden,
    };
  const lossOptions = { ...loss.options };
  if (loss.name === "matryoshka" && lossOptions.dims === undefined) lossOptions.dims = c.dims;
  const modelDim = c.dim ?? (c.model === "transformer" ? 128 : 384);
  return {
    model: JSON.parse(JSON.stringify(model)), // drops undefined fields (the stage key, embedkit.json)
    loss: loss.name,
    lossOptions,
    epochs: c.epochs,
    batchSize: c.batchSize,
    ...(c.lr !== null ? { lr: c.lr } : {}),
    warmupRatio: c.warmupRatio,
    weightDecay: c.weightDecay,
    clipNorm: c.clipNorm,
    seed,
    hardNegatives: c.hardNegatives,
    hardNegativeTopK: c.hardNegativeTopK,
    groupColumn: c.groupColumn,
    evalDims: c.dims.filter((d) => d <= modelDim),
  };
}
