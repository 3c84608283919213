/**
 * The text trainer's config: one object, every field optional with the defaults below, resolved and
 * checked once (errors name the field and what is allowed).
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { StaticModelConfig } from "./static.ts";
import type { TransformerModelConfig } from "./transformer.ts";
import type { AdapterModelConfig } from "./adapter.ts";

/** Which model to train. */
export type TextModelConfig = StaticModelConfig | TransformerModelConfig | AdapterModelConfig;

/** Options of text training. */
export interface TextTrainConfig {
  /** The model (default: static, 8000 WordPiece tokens, 384 dims). */
  readonly model?: TextModelConfig;
  /** Loss plugin name (default "matryoshka"). */
  readonly loss?: string;
  /** Its options (default { inner: "mnrl", dims: [384, 256, 128, 64] }, dims cut to the model's). */
  readonly lossOptions?: Record<string, unknown>;
  /** Epochs (default 4). */
  readonly epochs?: number;
  /** Pairs per batch (default 1024): the in-batch negatives of MNRL. */
  readonly batchSize?: number;
  /** Peak learning rate (default 0.1 for the static table, 1e-3 otherwise). */
  readonly lr?: number;
  /** Fraction of the steps spent warming up (default 0.1). */
  readonly warmupRatio?: number;
  /** AdamW decoupled weight decay (default 0). */
  readonly weightDecay?: number;
  /** Global gradient-norm clip, 0 = off (default 0). */
  readonly clipNorm?: number;
  /** Seed of the initial weights and of the sampler (default 0). */
  readonly seed?: number;
  /** Hard negatives: none, the pairs' `negative` column, or BM25-mined (default "none"). */
  readonly hardNegatives?: "none" | "column" | "bm25";
  /** BM25 candidates per pair to draw a negative from (default 10). */
  readonly hardNegativeTopK?: number;
  /** Skip BM25 candidates whose positive is in the same batch (default true). */
  readonly hardNegativeOutsideBatch?: boolean;
  /** A column in `extra` (e.g. Debian's `source`) whose equal values are never each other's mined negatives ("" = none). */
  readonly groupColumn?: string;
  /** Matryoshka dims evaluated on the dev split (default: the loss's dims, else the model dim). */
  readonly evalDims?: readonly number[];
  /** The dim whose dev NDCG@10 is monitored (default: the first eval dim). */
  readonly monitorDim?: number;
}

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/** Fills defaults and checks ranges. */
export function resolveTextConfig(c: TextTrainConfig): Required<TextTrainConfig> {
  const model: TextModelConfig = c.model ?? { kind: "static" };
  const dim = model.kind === "adapter" ? (model.dim ?? 384) : (model.dim ?? 384);
  const loss = c.loss ?? "matryoshka";
  let lossOptions = c.lossOptions ?? {};
  if (loss === "matryoshka") {
    const dims = ((lossOptions.dims as number[] | undefined) ?? [384, 256, 128, 64]).filter((d) => d <= dim);
    if (!dims.length) throw new ConfigError("text training", `no Matryoshka dim fits the model dim ${dim}`);
    lossOptions = { inner: "mnrl", ...lossOptions, dims };
  }
  const evalDims = [...(c.evalDims ?? (loss === "matryoshka" ? lossOptions.dims as number[] : [dim]))];
  const r: Required<TextTrainConfig> = {
    model,
    loss,
    lossOptions,
    epochs: c.epochs ?? 4,
    batchSize: c.batchSize ?? 1024,
    lr: c.lr ?? (model.kind === "static" ? 0.1 : 1e-3),
    warmupRatio: c.warmupRatio ?? 0.1,
    weightDecay: c.weightDecay ?? 0,
    clipNorm: c.clipNorm ?? 0,
    seed: c.seed ?? 0,
    hardNegatives: c.hardNegatives ?? "none",
    hardNegativeTopK: c.hardNegativeTopK ?? 10,
    hardNegativeOutsideBatch: c.hardNegativeOutsideBatch ?? true,
    groupColumn: c.groupColumn ?? "",
    evalDims,
    monitorDim: c.monitorDim ?? evalDims[0],
  };
  const bad = (f: string, msg: string) => {
    throw new ConfigError("text training", `'${f}' ${msg}`);
  };
  if (!posInt(r.epochs)) bad("epochs", `must be a positive integer, got ${r.epochs}`);
  if (!(posInt(r.batchSize) && r.batchSize >= 2)) {
    bad("batchSize", `must be an integer >= 2, got ${r.batchSize}`);
  }
  if (!(r.lr > 0)) bad("lr", `must be > 0, got ${r.lr}`);
  if (!(r.warmupRatio >= 0 && r.warmupRatio < 1)) {
    bad("warmupRatio", `must be in [0, 1), got ${r.warmupRatio}`);
  }
  if (!(r.weightDecay >= 0)) bad("weightDecay", `must be >= 0, got ${r.weightDecay}`);
  if (!(Number.isInteger(r.seed) && r.seed >= 0)) {
    bad("seed", `must be a non-negative integer, got ${r.seed}`);
  }
  if (!["none", "column", "bm25"].includes(r.hardNegatives)) {
    bad("hardNegatives", `must be none, column or bm25, got '${r.hardNegatives}'`);
  }
  if (!posInt(r.hardNegativeTopK)) {
    bad("hardNegativeTopK", `must be a positive integer, got ${r.hardNegativeTopK}`);
  }
  for (const d of r.evalDims) {
    if (!(posInt(d) && d <= dim)) bad("evalDims", `entries must be in 1..${dim}, got ${d}`);
  }
  if (!r.evalDims.includes(r.monitorDim)) {
    bad("monitorDim", `must be one of evalDims ${r.evalDims}, got ${r.monitorDim}`);
  }
  return r;
}
