/**
 * The training recipe: a data dir (speaker-labelled utterances) -> Kaldi fbank (WeSpeaker preset,
 * utterance CMN) -> random fixed-length crops -> a small x-vector TDNN trained with any classification
 * loss plugin (AAM-softmax by default) -> ONNX export that the onnx-speaker backbone loads. Optional
 * speed perturbation (0.9x / 1.1x copies as new speakers). `mode: "head"` trains a small head on a
 * backbone's fixed embeddings instead. Training checkpoints every epoch and resumes after a kill.
 *
 * Stages: data, train (weights + history cached; resumable mid-run), export.
 * @module
 */
import { setGpuGemm } from "../autodiff/gemm.ts";
import { speakerIndex } from "../data/datasets.ts";
import { ConfigError } from "../errors.ts";
import { selectTrainingDevice, type TrainingDevicePref } from "../kernels/webgpu_gemm.ts";
import type { StateDict } from "../onnx/layers.ts";
import { opt, resolveConfig, type SchemaOf } from "../options.ts";
import { status } from "../progress.ts";
import { exportTrained } from "./train_export.ts";
import { trainHeadStage, trainTdnnStage } from "./train_speaker.ts";
import {
  AudioCache,
  type DataSource,
  embedUtterances,
  loadData,
  openRun,
  pluginKey,
  type PluginSpec,
  records,
  resolve,
  type RunOptions,
  type StageRecord,
} from "./stages/mod.ts";

/** The scalar options of {@link train}. */
export interface TrainConfig {
  /** A TDNN on fbank, or a head on a backbone's embeddings. */
  mode: "tdnn" | "head";
  /** TDNN channels per layer. */
  channels: number[];
  /** TDNN kernel sizes. */
  kernels: number[];
  /** TDNN dilations. */
  dilations: number[];
  /** Embedding size. */
  embedDim: number;
  /** Fbank mel bins. */
  numMelBins: number;
  /** Training crop length (s). */
  segSeconds: number;
  /** Crops per utterance per epoch. */
  cropsPerUtt: number;
  /** Epochs. */
  epochs: number;
  /** Batch size. */
  batchSize: number;
  /** Peak learning rate. */
  lr: number;
  /** 0.9x / 1.1x copies as new speakers. */
  speedPerturb: boolean;
  /** Use at most this much of each utterance (s). */
  maxSeconds: number;
}

/** The options of {@link train}, declared once (defaults, bounds, help). */
export const TRAIN_OPTIONS: SchemaOf<TrainConfig> = {
  mode: opt.oneOf(["tdnn", "head"] as const, "tdnn", "a TDNN on fbank, or a head on a backbone's embeddings"),
  channels: opt.numbers([128, 128, 128], "TDNN channels per layer", { integer: true, min: 1, minItems: 1 }),
  kernels: opt.numbers([5, 3, 3], "TDNN kernel sizes", { integer: true, min: 1, minItems: 1 }),
  dilations: opt.numbers([1, 2, 3], "TDNN dilations", { integer: true, min: 1, minItems: 1 }),
  embedDim: opt.integer(128, "embedding size", { min: 1 }),
  numMelBins: opt.integer(40, "fbank mel bins", { min: 1, max: 256 }),
  segSeconds: opt.number(2, "training crop length (s)", { gt: 0 }),
  cropsPerUtt: opt.integer(4, "crops per utterance per epoch", { min: 1 }),
  epochs: opt.integer(10, "epochs", { min: 1 }),
  batchSize: opt.integer(32, "batch size", { min: 1 }),
  lr: opt.number(2e-3, "peak learning rate (Adam, warm-up then cosine decay)", { gt: 0 }),
  speedPerturb: opt.boolean(false, "add 0.9x and 1.1x speed-perturbed copies as new speakers"),
  maxSeconds: opt.number(20, "use at most this much of each utterance (s)", { gt: 0 }),
};

/** Options of {@link train}. */
export interface TrainOptions extends RunOptions, DataSource, Partial<TrainConfig> {
  /** Classification loss plugin (default aam-softmax, margin 0.2, scale 30). */
  readonly loss?: string | PluginSpec;
  /** head mode: the backbone whose embeddings the head learns from (default fbank-stats). */
  readonly backbone?: string | PluginSpec;
  /** Where to write the ONNX model (default: <workDir>/model.onnx or out/train/model.onnx). */
  readonly out?: string;
  /** Where training's large matrix products run: "auto" (WebGPU only on a real, parity-checked adapter), "wasm", "webgpu". */
  readonly device?: TrainingDevicePref;
}

/** What {@link train} returns. */
export interface TrainResult {
  readonly mode: "tdnn" | "head";
  readonly model: string;
  readonly speakers: number;
  readonly utterances: number;
  readonly history: { epoch: number; trainLoss: number; samplesPerSec: number }[];
  readonly parameters: number;
  /** The trained weights (PyTorch-style names), e.g. to rebuild the module in code. */
  readonly state: StateDict;
  readonly seed: number;
  /** The device training's matrix products ran on, and why. */
  readonly device: { device: string; reason: string };
  readonly config: Record<string, unknown>;
  readonly stages: StageRecord[];
}

/** Trains and exports; returns where the model is and how training went. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const cfg = resolveConfig("train", TRAIN_OPTIONS, definedOf(opts, Object.keys(TRAIN_OPTIONS)));
  if (cfg.channels.length !== cfg.kernels.length || cfg.channels.length !== cfg.dilations.length) {
    throw new ConfigError(
      "train",
      `channels, kernels and dilations need the same length (${cfg.channels.length}, ${cfg.kernels.length}, ${cfg.dilations.length})`,
    );
  }
  const run = openRun("train", opts);
  // dim and numClasses come from the data; seed from the stage
  const loss = await resolve(
    run,
    "loss",
    withShape(opts.loss ?? { name: "aam-softmax", options: { margin: 0.2, scale: 30 } }),
  );
  const backbone = cfg.mode === "head"
    ? await resolve(run, "backbone", opts.backbone ?? "fbank-stats")
    : undefined;
  // 1. data: utterances [N] with speaker classes (sorted speaker names)
  const ds = await loadData(run, opts);
  const speakers = [...new Set(ds.utts.map((u) => u.speaker))].sort();
  if (speakers.length < 2) {
    throw new ConfigError("train", `needs at least 2 speakers, found ${speakers.length}`);
  }
  const labels = speakerIndex(ds.utts.map((u) => u.speaker), speakers);
  // large matrix products go to WebGPU only on a real adapter that passed a parity check (else wasm)
  const device = await selectTrainingDevice(opts.device ?? "auto", { sync: true });
  if (!opts.quiet) status(`train: matrix products on ${device.device} (${device.reason})`);
  setGpuGemm(device.gemmSync);
  let trained: Awaited<ReturnType<typeof trainTdnnStage>>;
  try {
    // 2. training, checkpointed each epoch (head mode: embeddings [N, D] first, a cached stage of their own)
    const spec = {
      config: { ...cfg, loss: pluginKey(loss), backbone: pluginKey(backbone) },
      inputs: [ds.utts],
    };
    trained = backbone
      ? await trainHeadStage(
        run,
        cfg,
        loss,
        await embedUtterances(run, new AudioCache(ds.utts, 16000, cfg.maxSeconds), backbone),
        labels,
        spec,
      )
      : await trainTdnnStage(run, cfg, loss, ds, labels, speakers.length, spec);
  } finally {
    setGpuGemm(undefined);
    device.gemmSync?.dispose();
  }
  // 3. ONNX export for onnx-speaker
  const out = opts.out ?? (opts.workDir ? `${opts.workDir}/model.onnx` : "out/train/model.onnx");
  const exported = await exportTrained(
    run,
    cfg,
    trained,
    out,
    `${loss.name} on ${trained.speakers} classes, seed ${run.seed}`,
  );
  let parameters = 0;
  for (const t of Object.values(trained.state)) parameters += t.data.length;
  return {
    mode: cfg.mode,
    model: exported.path,
    speakers: speakers.length,
    utterances: ds.utts.length,
    history: trained.history.map((h) => ({
      epoch: h.epoch,
      trainLoss: h.trainLoss,
      samplesPerSec: h.samplesPerSec,
    })),
    parameters,
    state: trained.state,
    seed: run.seed,
    device: { device: device.device, reason: device.reason },
    // the loss's own options (its shape facts come from the data), the backbone's full config
    config: {
      ...cfg,
      loss: { plugin: loss.name, ...omit(loss.config, ["dim", "numClasses"]) },
      backbone: backbone ? { plugin: backbone.name, ...backbone.config } : null,
    },
    stages: records(run),
  };
}

/** The defined entries of `o` among `keys` (so unset options take their declared defaults). */
function definedOf(o: object, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => keys.includes(k) && v !== undefined));
}

function omit(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** A loss spec with placeholder shape facts, so its own options validate before the data is read. */
function withShape(s: string | PluginSpec): PluginSpec {
  const p = typeof s === "string" ? { name: s } : s;
  return { ...p, options: { dim: 2, numClasses: 2, ...p.options } };
}
