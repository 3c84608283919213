/**
 * Training text embedding models on pairs, as sentence-transformers' trainer does for a bi-encoder:
 * any loss plugin through the registry (default MatryoshkaLoss(MultipleNegativesRankingLoss) over
 * dims 384/256/128/64), the no-duplicates batch sampler, optional hard negatives (a `negative` column,
 * or BM25-mined ones drawn afresh each epoch), AdamW with linear warm-up then linear decay
 * (transformers' get_linear_schedule_with_warmup), evaluation on a dev split after every epoch at
 * each Matryoshka dim with the `ir-metrics` metric plugin.
 *
 * {@link createTextTraining} returns a job whose `trainer` is a core/nn Trainer: its checkpoint holds
 * the weights, the optimiser, the sampler's generator, the counters and the per-epoch history (with
 * the dev tables), so a run resumed after any epoch ends byte-identical to an uninterrupted one
 * (the tokenizer and the initial table are rebuilt deterministically from the data and the seed).
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import type { Loss, LossInput, Metric } from "../contracts/mod.ts";
import type { Registry } from "../registry.ts";
import { concat, slice } from "../autodiff/ops.ts";
import { AdamW } from "../nn/optim.ts";
import { StatefulRng } from "../nn/rng.ts";
import { type Checkpoint, loadCheckpoint } from "../nn/checkpoint.ts";
import { Trainer } from "../nn/trainer.ts";
import { status } from "../progress.ts";
import { ConfigError } from "../errors.ts";
import type { TextPair } from "./pairs.ts";
import type { TrainableTextModel } from "./model.ts";
import { type DimTable, embedItems, formatCardTable, retrievalTable } from "./evaluate.ts";
import { mineBm25Negatives, noDuplicatesBatches } from "./batches.ts";
import { resolveTextConfig, type TextModelConfig, type TextTrainConfig } from "./train_config.ts";
import { createTextModel } from "./models.ts";

export type { TextModelConfig, TextTrainConfig };

/** lr factor of transformers' get_linear_schedule_with_warmup: 0 -> 1 over `warmup` steps, then -> 0 at `total`. */
export function linearWarmupDecay(base: number, warmup: number, total: number): (step: number) => number {
  return (s) =>
    base * (s < warmup ? s / Math.max(1, warmup) : Math.max(0, (total - s) / Math.max(1, total - warmup)));
}

/** One epoch's record (also kept in checkpoints). */
export interface TextEpochLog {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly lr: number;
  readonly seconds: number;
  /** Dev table: dim -> metric -> value (absent without a dev split). */
  readonly dev?: DimTable;
}

/** Inputs of {@link createTextTraining}. */
export interface TextTrainingOptions {
  readonly train: readonly TextPair[];
  readonly dev?: readonly TextPair[];
  readonly config: TextTrainConfig;
  /** Registry the loss and the metric come from. */
  readonly registry: Registry;
  /** Called after every epoch (after its dev evaluation). */
  readonly onEpoch?: (log: TextEpochLog) => void;
  /** Progress bars on stderr (default: as core/progress decides). */
  readonly progress?: boolean;
}

/** A training batch: pair indices and, with hard negatives, one negative item index per pair. */
interface Batch {
  readonly idx: number[];
  readonly neg?: number[];
}

/** The Trainer, with the per-epoch text logs in its checkpoints. */
export class TextTrainer extends Trainer<Batch> {
  textHistory: TextEpochLog[] = [];
  override checkpoint(): Checkpoint {
    const ck = super.checkpoint();
    return { ...ck, meta: { ...ck.meta, textHistory: this.textHistory } };
  }
  override async resume(ck: Checkpoint | string): Promise<void> {
    const c = typeof ck === "string" ? await loadCheckpoint(ck) : ck;
    await super.resume(c);
    this.textHistory = (c.meta?.textHistory as TextEpochLog[]) ?? [];
  }
}

/** What {@link createTextTraining} returns. */
export interface TextTrainingJob {
  readonly trainer: TextTrainer;
  readonly model: TrainableTextModel;
  /** The resolved config (every default filled in). */
  readonly config: Required<TextTrainConfig>;
  /** Dev table of the current weights (throws without a dev split). */
  evaluate(): DimTable;
  /** Writes the model folder with the training record. */
  exportFolder(dir: string): Promise<void>;
}

/** Which loss input a pair batch becomes, from the loss (or Matryoshka's inner loss) name. */
function pairFormat(c: Required<TextTrainConfig>): "ranking" | "labelled-pairs" | "classes" {
  const name = c.loss === "matryoshka" ? String(c.lossOptions.inner ?? "mnrl") : c.loss;
  if (name === "mnrl") return "ranking";
  if (name === "contrastive") return "labelled-pairs";
  if (name === "triplet") return "classes";
  throw new ConfigError(
    "text training",
    `loss '${name}' needs class labels that text pairs do not have; use mnrl, contrastive or triplet (or matryoshka around them)`,
  );
}

/** The loss input of a batch: anchors a, positives p, optional hard negatives n. */
function lossInput(format: ReturnType<typeof pairFormat>, a: Tensor, p: Tensor, n?: Tensor): LossInput {
  const B = a.shape[0];
  if (format === "ranking") {
    return { embeddings: a, positives: p, extra: n ? { hardNegatives: n } : undefined };
  }
  if (format === "labelled-pairs") {
    // y = 0 for (anchor, positive), 1 for (anchor, negative); without hard negatives the next pair's positive
    const other = n ?? (B > 1 ? concat([slice(p, 0, 1, B), slice(p, 0, 0, 1)], 0) : p);
    return {
      embeddings: concat([a, a], 0),
      positives: concat([p, other], 0),
      labels: Int32Array.from({ length: 2 * B }, (_, i) => (i < B ? 0 : 1)),
    };
  }
  // classes: each pair is a class (anchor and positive share it); negatives are singletons
  const parts = n ? [a, p, n] : [a, p];
  return {
    embeddings: concat(parts, 0),
    labels: Int32Array.from({ length: parts.length * B }, (_, i) => (i < 2 * B ? i % B : i)),
  };
}

/** Builds the model, the data, the loss and the trainer. */
export async function createTextTraining(o: TextTrainingOptions): Promise<TextTrainingJob> {
  const c = resolveTextConfig(o.config);
  if (o.train.length < 2) throw new RangeError(`text training needs at least 2 pairs, got ${o.train.length}`);
  const format = pairFormat(c);
  const t0 = performance.now();
  const trainTexts = [...o.train.map((p) => p.anchor), ...o.train.map((p) => p.positive)];
  const model = await createTextModel(c, trainTexts, o.registry);
  const anchors = await model.prepare(o.train.map((p) => p.anchor));
  const positives = await model.prepare(o.train.map((p) => p.positive));
  const groups = c.groupColumn
    ? o.train.map((p) => p.extra?.[c.groupColumn] as string | undefined)
    : undefined;
  // hard negatives: items to draw from (column: each pair's own negative; bm25: other pairs' positives)
  let negItems: unknown[] | undefined, candidates: Int32Array[] | undefined;
  if (c.hardNegatives === "column") {
    const missing = o.train.findIndex((p) => p.negative === undefined);
    if (missing >= 0) {
      throw new ConfigError(
        "text training",
        `hardNegatives 'column' but pair ${missing + 1} has no 'negative'`,
      );
    }
    negItems = await model.prepare(o.train.map((p) => p.negative!));
  } else if (c.hardNegatives === "bm25") {
    negItems = positives;
    candidates = mineBm25Negatives(
      o.train.map((p) => p.anchor),
      o.train.map((p) => p.positive),
      c.hardNegativeTopK,
      groups,
    );
  }
  const dev = o.dev?.length
    ? {
      queries: await model.prepare(o.dev.map((p) => p.anchor)),
      corpus: await model.prepare(o.dev.map((p) => p.positive)),
      relevant: o.dev.map((_, i) => [i]),
    }
    : undefined;
  const loss: Loss = await o.registry.create("loss", c.loss, c.lossOptions);
  const metric: Metric = await o.registry.create("metric", "ir-metrics", {});
  const lossParams = loss.parameters();
  const optimizer = new AdamW([...model.module.parameters(), ...lossParams], {
    lr: c.lr,
    weightDecay: c.weightDecay,
  });
  const rng = new StatefulRng(c.seed + 1);
  const keys = o.train.map((p) => [
    "a:" + p.anchor,
    "p:" + p.positive,
    ...(p.negative ? ["n:" + p.negative] : []),
  ]);
  const perEpoch = Math.max(1, Math.ceil(o.train.length / c.batchSize));
  const total = perEpoch * c.epochs, warm = Math.round(c.warmupRatio * total);
  let lossSum = 0, lossN = 0, epochStart = 0;
  const evaluate = (): DimTable => {
    if (!dev) throw new RangeError("no dev split to evaluate on");
    const q = embedItems(model, dev.queries), d = embedItems(model, dev.corpus);
    return retrievalTable(q, d, dev.relevant, c.evalDims, metric);
  };
  const trainer: TextTrainer = new TextTrainer(
    {
      epochs: c.epochs,
      patience: 0,
      minDelta: 0,
      clipNorm: c.clipNorm,
      label: `train ${model.kind}`,
      progress: o.progress,
    },
    {
      model: model.module,
      optimizer,
      schedule: linearWarmupDecay(c.lr, warm, total),
      tensors: Object.fromEntries(lossParams.map((t, i) => [`loss.${i}`, t])),
      rngs: { sampler: rng },
      batches(): Batch[] {
        lossSum = lossN = 0;
        epochStart = performance.now();
        return noDuplicatesBatches(keys, c.batchSize, rng).map((idx) => {
          if (!negItems) return { idx };
          if (!candidates) return { idx, neg: idx };
          // one BM25 candidate per pair, drawn now (the draw is part of the checkpointed generator);
          // with hardNegativeOutsideBatch, candidates whose positive is in the batch are skipped (they
          // would be a duplicate of another anchor's positive: a false negative for that anchor)
          const inBatch = new Set(idx);
          return {
            idx,
            neg: idx.map((i) => {
              const all = candidates![i];
              const ok = c.hardNegativeOutsideBatch ? all.filter((j) => !inBatch.has(j)) : all;
              const pool = ok.length ? ok : all;
              return pool.length ? pool[rng.int(pool.length)] : (i + 1) % o.train.length;
            }),
          };
        });
      },
      step(b) {
        const a = model.forward(b.idx.map((i) => anchors[i]));
        const p = model.forward(b.idx.map((i) => positives[i]));
        const n = b.neg ? model.forward(b.neg.map((i) => negItems![i])) : undefined;
        const l = loss.forward(lossInput(format, a, p, n));
        lossSum += l.item() * b.idx.length;
        lossN += b.idx.length;
        return { loss: l, samples: b.idx.length };
      },
      validate() {
        const table = dev ? evaluate() : undefined;
        const log: TextEpochLog = {
          epoch: trainer.epoch + 1,
          trainLoss: lossSum / Math.max(1, lossN),
          lr: optimizer.lr,
          seconds: (performance.now() - epochStart) / 1000,
          ...(table ? { dev: table } : {}),
        };
        trainer.textHistory.push(log);
        if (table && o.progress !== false) {
          status(
            `epoch ${log.epoch}: loss ${log.trainLoss.toFixed(4)}, ${log.seconds.toFixed(0)} s\n` +
              formatCardTable(Object.fromEntries(Object.entries(table).map(([d, m]) => [`dim ${d}`, m]))),
          );
        }
        o.onEpoch?.(log);
        return table ? -table[String(c.monitorDim)]["ndcg@10"] : log.trainLoss;
      },
    },
  );
  const setupSeconds = (performance.now() - t0) / 1000;
  return {
    trainer,
    model,
    config: c,
    evaluate,
    exportFolder: (dir) =>
      model.exportFolder(dir, {
        producer: "embedkit",
        config: c,
        seed: c.seed,
        model: model.describe(),
        trainPairs: o.train.length,
        devPairs: o.dev?.length ?? 0,
        setupSeconds,
        history: trainer.textHistory,
      }),
  };
}
