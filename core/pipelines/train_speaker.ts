/**
 * The speaker-network training stages of the training recipe: fbank crops -> TDNN -> classification
 * loss (resumable after a kill, see stages/train.ts), or a head on fixed embeddings.
 * @module
 */
import type { Utterance } from "../data/datasets.ts";
import type { Matrix } from "../matrix.ts";
import { classifierTrainer } from "../nn/classifier_trainer.ts";
import { trainHead } from "../nn/head.ts";
import { StatefulRng } from "../nn/rng.ts";
import { cropBatchCount, cropBatches, cropTensor, speakerFeatures } from "../nn/speaker_crops.ts";
import { Tdnn } from "../nn/tdnn.ts";
import type { StateDict } from "../onnx/layers.ts";
import type { Resolved, Run } from "./stages/mod.ts";
import { trainModel } from "./stages/train.ts";
import type { TrainConfig } from "./train.ts";

/** What a training stage outputs. */
export interface Trained {
  /** Weights (PyTorch-style names). */
  readonly state: StateDict;
  /** Per-epoch loss and throughput. */
  readonly history: { epoch: number; trainLoss: number; samplesPerSec: number }[];
  /** Classes trained on. */
  readonly speakers: number;
  /** Input feature size. */
  readonly inputDim: number;
}

type StageKey = { config: unknown; inputs: unknown[] };

/** Stage `train` (TDNN mode): fbank crops -> TDNN -> loss, resumable. */
export function trainTdnnStage(
  run: Run,
  cfg: TrainConfig,
  loss: Resolved<"loss">,
  ds: { utts: Utterance[] },
  labels: Int32Array,
  numSpeakers: number,
  spec: StageKey,
): Promise<Trained> {
  return trainModel(run, "train", spec, async (ctx) => {
    const data = await speakerFeatures(ds.utts, labels, numSpeakers, cfg);
    const seg = Math.round(cfg.segSeconds * 100);
    const init = new StatefulRng(ctx.seed), shuffle = new StatefulRng(ctx.seed + 1);
    const net = new Tdnn({
      inputDim: cfg.numMelBins,
      channels: cfg.channels,
      kernels: cfg.kernels,
      dilations: cfg.dilations,
      embedDim: cfg.embedDim,
      pooling: "stats",
      poolEps: 1e-7,
    }, init);
    const l = await run.registry.create("loss", loss.name, {
      ...loss.options,
      dim: cfg.embedDim,
      numClasses: data.numClasses,
      seed: ctx.seed,
    });
    const trainer = classifierTrainer<number[]>({
      model: net,
      loss: l,
      epochs: cfg.epochs,
      lr: cfg.lr,
      warmupSteps: 20,
      minLrFactor: 0.02,
      clipNorm: 5,
      label: "train tdnn",
      rngs: { shuffle, init },
      stepsPerEpoch: cropBatchCount(data.feats.length, cfg.cropsPerUtt, cfg.batchSize),
      batches: () => cropBatches(data.feats.length, cfg.cropsPerUtt, cfg.batchSize, shuffle),
      step: (batch) => ({
        loss: l.forward({
          embeddings: net.forward(cropTensor(data.feats, batch, seg, shuffle)),
          labels: Int32Array.from(batch, (u) => data.labels[u]),
        }),
        samples: batch.length,
      }),
    });
    return {
      trainer,
      result: (report) => {
        net.eval();
        return {
          state: net.stateDict(),
          history: report.history,
          speakers: data.numClasses,
          inputDim: cfg.numMelBins,
        };
      },
    };
  });
}

/** Stage `train` (head mode): a Linear-ReLU-Linear head on fixed embeddings, resumable. */
export function trainHeadStage(
  run: Run,
  cfg: TrainConfig,
  loss: Resolved<"loss">,
  emb: { x: Matrix },
  labels: Int32Array,
  spec: StageKey,
): Promise<Trained> {
  return run.stages.stage("train", { ...spec, inputs: [...spec.inputs, emb] }, async (ctx) => {
    const { head, report } = await trainHead(
      emb.x,
      labels,
      {
        outDim: cfg.embedDim,
        hidden: 256,
        epochs: cfg.epochs,
        batchSize: cfg.batchSize,
        lr: cfg.lr,
        seed: ctx.seed,
      },
      (shape) => run.registry.create("loss", loss.name, { ...loss.options, ...shape }),
      "train head",
    );
    return {
      state: head.stateDict(),
      history: report.history,
      speakers: Math.max(...labels) + 1,
      inputDim: emb.x.cols,
    };
  });
}
