/**
 * The speaker-network training stages of the training recipe, each resumable after a kill
 * (stages/train.ts): `train` (fbank crops -> TDNN / ResNet34 / ResNet34-SE / ECAPA -> classification
 * loss [+ language-invariance MSE, + language-adversarial classifier], optional online augmentation
 * per crop, optional checkpoint averaging of the last epochs), then optionally `train-lm`: large-margin
 * fine-tuning as WeSpeaker's LM recipe (conf/*_lm.yaml: longer crops, margin 0.5, a small learning
 * rate, original-speed data only, the class centres carried over). Also `train` for a head on fixed
 * embeddings.
 * @module
 */
import { type AugmentRecipe, buildAugmentation } from "../augment/recipe.ts";
import type { Loss } from "../contracts/loss.ts";
import type { Languages } from "../data/languages.ts";
import type { Utterance } from "../data/datasets.ts";
import type { Matrix } from "../matrix.ts";
import { SnapshotAverager } from "../nn/average.ts";
import { languageTerms } from "../nn/language_terms.ts";
import { classifierTrainer } from "../nn/classifier_trainer.ts";
import { trainHead } from "../nn/head.ts";
import { StatefulRng } from "../nn/rng.ts";
import { cropBatchCount, cropBatches, cropTensor, speakerFeatures } from "../nn/speaker_crops.ts";
import { buildSpeakerNet } from "../nn/speaker_nets.ts";
import { speakerAudio, waveCropTensor } from "../nn/wave_crops.ts";
import type { StateDict } from "../onnx/layers.ts";
import type { Resolved, Run } from "./stages/mod.ts";
import type { StageContext } from "./stages/runner.ts";
import { type TrainingJob, trainModel } from "./stages/train.ts";
import type { TrainConfig } from "./train_options.ts";

/** What a training stage outputs. */
export interface Trained {
  /** Weights (PyTorch-style names). */
  readonly state: StateDict;
  /** Per-epoch loss and throughput (fine-tuning epochs follow the main ones). */
  readonly history: { epoch: number; trainLoss: number; samplesPerSec: number }[];
  /** Classes trained on. */
  readonly speakers: number;
  /** Input feature size. */
  readonly inputDim: number;
  /** The classification loss's own weights (class centres), for fine-tuning. */
  readonly lossState?: StateDict;
  /** Epochs whose weights were averaged (absent: the last epoch's weights). */
  readonly averaged?: number[];
  /** With averaging: the last epoch's own weights (for comparison). */
  readonly last?: StateDict;
}

type StageKey = { config: unknown; inputs: unknown[]; files?: string[] };

/** What the speaker stages are given. */
export interface SpeakerTraining {
  readonly cfg: TrainConfig;
  readonly loss: Resolved<"loss">;
  readonly utts: Utterance[];
  readonly labels: Int32Array;
  readonly numSpeakers: number;
  /** Online augmentation (sources included), or null. */
  readonly augment: AugmentRecipe | null;
  /** Utterance languages, when language losses are on. */
  readonly languages?: Languages;
  readonly spec: StageKey;
}

/** Stage `train` (speaker mode), then `train-lm` when `lmEpochs` > 0. */
export async function trainSpeakerStages(run: Run, t: SpeakerTraining): Promise<Trained> {
  const { cfg } = t;
  // the fine-tuning settings are not part of the main stage's key: adding fine-tuning reuses its cache
  const { lmEpochs: _e, lmSegSeconds: _s, lmMargin: _m, lmLr: _l, ...key } = t.spec.config as TrainConfig;
  const main = await trainModel(
    run,
    "train",
    { ...t.spec, config: key },
    (ctx) => speakerJob(run, ctx, t, "main"),
  );
  if (!cfg.lmEpochs) return main;
  const lm = await trainModel(
    run,
    "train-lm",
    { config: { lm: [cfg.lmEpochs, cfg.lmSegSeconds, cfg.lmMargin, cfg.lmLr] }, inputs: [main] },
    (ctx) => speakerJob(run, ctx, t, "lm", main),
  );
  const offset = main.history.length;
  return {
    ...lm,
    history: [...main.history, ...lm.history.map((h) => ({ ...h, epoch: h.epoch + offset }))],
    ...(main.averaged ? { averaged: main.averaged } : {}),
  };
}

/** The trainer of one stage: data, network, losses, crops. */
async function speakerJob(
  run: Run,
  ctx: StageContext,
  t: SpeakerTraining,
  phase: "main" | "lm",
  from?: Trained,
): Promise<TrainingJob<Trained>> {
  const { cfg } = t, lm = phase === "lm";
  const init = new StatefulRng(ctx.seed), shuffle = new StatefulRng(ctx.seed + 1);
  const augRng = new StatefulRng(ctx.seed + 2);
  // 1. data: waveforms when augmenting (features come after augmentation), else fbank once
  const aug = t.augment
    ? await buildAugmentation((s, n, o) => run.registry.create(s, n, o), t.augment)
    : null;
  // fine-tuning sees the original-speed copies only (WeSpeaker LM: speed_perturb false), same classes
  const o = { ...cfg, speedPerturb: cfg.speedPerturb && !lm };
  const wave = aug ? await speakerAudio(t.utts, t.labels, t.numSpeakers, o) : null;
  const feats = aug ? null : await speakerFeatures(t.utts, t.labels, t.numSpeakers, o);
  const data = (wave ?? feats)!;
  const items = data.factor.map((_, i) => i), numClasses = from?.speakers ?? data.numClasses;
  const frames = Math.round((lm ? cfg.lmSegSeconds : cfg.segSeconds) * 100);
  // 2. network (fine-tuning starts from the trained weights)
  const net = buildSpeakerNet(cfg, init);
  if (from) net.loadStateDict(from.state);
  // 3. losses: classification (margin raised for fine-tuning) [+ language terms]
  const margin = lm ? { margin: cfg.lmMargin } : {};
  if (lm && !("margin" in t.loss.config)) {
    throw new RangeError(
      `lmEpochs: loss '${t.loss.name}' has no margin to raise; use aam-softmax or am-softmax`,
    );
  }
  const cls = await run.registry.create("loss", t.loss.name, {
    ...t.loss.options,
    ...margin,
    dim: cfg.embedDim,
    numClasses,
    seed: ctx.seed,
  });
  if (from?.lossState) cls.parameters().forEach((p, i) => p.data.set(from.lossState![`loss.${i}`].data));
  const lang = await languageTerms((n, o) => run.registry.create("loss", n, o), cfg, t.languages);
  const loss: Loss = { parameters: () => [...cls.parameters(), ...lang.parameters], forward: cls.forward };
  const averager = !lm && cfg.averageLast > 1
    ? new SnapshotAverager(ctx.partialDir && `${ctx.partialDir}/average`, cfg.epochs, cfg.averageLast)
    : undefined;
  const epochs = lm ? cfg.lmEpochs : cfg.epochs, lr = lm ? (cfg.lmLr ?? cfg.lr / 20) : cfg.lr;
  const rngs: Record<string, StatefulRng> = aug ? { shuffle, init, augment: augRng } : { shuffle, init };
  const trainer = classifierTrainer<number[]>({
    model: net,
    loss,
    epochs,
    lr,
    warmupSteps: lm ? cropBatchCount(items.length, cfg.cropsPerUtt, cfg.batchSize) : 20,
    minLrFactor: lm ? 0.25 : 0.02,
    clipNorm: 5,
    label: `train ${cfg.arch}${lm ? " (large margin)" : ""}`,
    rngs,
    averager,
    stepsPerEpoch: cropBatchCount(items.length, cfg.cropsPerUtt, cfg.batchSize),
    batches: () => cropBatches(items, cfg.cropsPerUtt, cfg.batchSize, shuffle),
    step: (batch) => {
      // 4. crops [B, F, T] -> embeddings [B, E] -> loss
      const x = wave
        ? waveCropTensor(wave, batch, frames, cfg.numMelBins, aug, augRng)
        : cropTensor(feats!.feats, batch, frames, shuffle);
      const emb = net.forward(x);
      const l = cls.forward({ embeddings: emb, labels: Int32Array.from(batch, (u) => data.labels[u]) });
      const langs = t.languages && Int32Array.from(batch, (u) => t.languages!.ids[data.utt[u]]);
      return { loss: lang.add(l, emb, langs), samples: batch.length };
    },
  });
  return {
    trainer,
    result: async (report) => {
      net.eval();
      const avg = averager && (await averager.average(net.stateDict()));
      return {
        state: avg ? avg.state : net.stateDict(),
        history: report.history,
        speakers: numClasses,
        inputDim: cfg.numMelBins,
        lossState: Object.fromEntries(
          cls.parameters().map((
            p,
            i,
          ) => [`loss.${i}`, { shape: [...p.shape], data: Float32Array.from(p.data) }]),
        ),
        ...(avg ? { averaged: avg.epochs, last: net.stateDict() } : {}),
      };
    },
  };
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
