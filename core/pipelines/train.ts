/**
 * The training pipeline: a data dir (speaker-labelled utterances) -> Kaldi fbank (WeSpeaker preset,
 * utterance CMN) -> random fixed-length crops -> a small x-vector TDNN trained with any classification
 * loss plugin (AAM-softmax by default) -> ONNX export that the onnx-speaker backbone loads. Optional
 * speed perturbation (0.9x / 1.1x resampled copies as new speakers, as Kaldi and WeSpeaker recipes do).
 * A `head` mode trains a small head on a backbone's fixed embeddings instead.
 *
 * Stages: data, train (state dict + history cached), export.
 * @module
 */
import { tensor } from "../autodiff/tensor.ts";
import { check } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { applyCmn, fbank, FBANK_PRESETS } from "../features/fbank.ts";
import type { Matrix } from "../matrix.ts";
import { trainHead } from "../nn/head.ts";
import { Adam } from "../nn/optim.ts";
import { StatefulRng } from "../nn/rng.ts";
import { lrSchedule } from "../nn/schedule.ts";
import { Tdnn } from "../nn/tdnn.ts";
import { Trainer } from "../nn/trainer.ts";
import { exportModule, type LayerSpec } from "../onnx/export.ts";
import type { StateDict } from "../onnx/layers.ts";
import { Pipeline, type StageRecord } from "../pipeline/runner.ts";
import { Progress } from "../progress.ts";
import type { Registry } from "../registry.ts";
import { utteranceAudio } from "./audio.ts";
import {
  embedAll,
  labelOf,
  type PluginSpec,
  reg,
  resolved,
  speakerIndex,
  spec,
  utteranceKey,
} from "./common.ts";
import { loadDataDir, type Utterance } from "./data.ts";
import { selectTrainingDevice, type TrainingDevicePref } from "../kernels/webgpu_gemm.ts";
import { status } from "../progress.ts";
import { setGpuGemm } from "../autodiff/gemm.ts";

/** Options of {@link train}. */
export interface TrainOptions {
  /** Data dir (folder per speaker or Kaldi wav.scp + utt2spk); several are pooled. */
  readonly data?: string | readonly string[];
  /** Or in-memory utterances. */
  readonly utterances?: readonly Utterance[];
  /** What to train: a TDNN backbone on fbank, or a head on a backbone's embeddings. */
  readonly mode?: "tdnn" | "head";
  /** Classification loss plugin (default aam-softmax, margin 0.2, scale 30). */
  readonly loss?: string | PluginSpec;
  /** head mode: the backbone whose embeddings the head learns from (default fbank-stats). */
  readonly backbone?: string | PluginSpec;
  /** TDNN shape. */
  readonly channels?: readonly number[];
  readonly kernels?: readonly number[];
  readonly dilations?: readonly number[];
  readonly embedDim?: number;
  readonly numMelBins?: number;
  /** Crop length in seconds (2). */
  readonly segSeconds?: number;
  /** Crops per utterance per epoch (4). */
  readonly cropsPerUtt?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  /** Add 0.9x and 1.1x speed-perturbed copies as new speakers. */
  readonly speedPerturb?: boolean;
  /** Crop audio to this many seconds when loading (speed). */
  readonly maxSeconds?: number;
  /** Where to write the ONNX model (default: <workDir>/model.onnx or out/train/model.onnx). */
  readonly out?: string;
  readonly seed?: number;
  /** Where training's large matrix products run: "auto" (WebGPU only on a real, parity-checked adapter), "wasm", "webgpu". */
  readonly device?: TrainingDevicePref;
  readonly workDir?: string;
  readonly resume?: boolean;
  readonly registry?: Registry;
  readonly quiet?: boolean;
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

/** Linear-interpolation resampling by `factor` (0.9 = slower/lower pitch, as sox speed). */
export function speedPerturb(x: Float32Array, factor: number): Float32Array {
  const n = Math.floor(x.length / factor);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i * factor, k = Math.floor(t), f = t - k;
    out[i] = k + 1 < x.length ? x[k] * (1 - f) + x[k + 1] * f : x[k];
  }
  return out;
}

function tdnnSpec(n: number, dilations: readonly number[]): LayerSpec[] {
  const layers: LayerSpec[] = [];
  for (let i = 0; i < n; i++) {
    layers.push({ type: "tdnn", name: `conv${i}`, dilation: dilations[i] }, { type: "relu" }, {
      type: "batchnorm",
      name: `bn${i}`,
    });
  }
  layers.push({ type: "statspool", unbiased: false }, { type: "linear", name: "embed" });
  return layers;
}

/** Trains and exports; returns where the model is and how training went. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const r = reg(opts.registry);
  const seed = opts.seed ?? 1234;
  const mode = opts.mode ?? "tdnn";
  const lossSpec = spec(opts.loss ?? { name: "aam-softmax", options: { margin: 0.2, scale: 30 } });
  const cfg = {
    mode,
    // dim and numClasses are filled in from the data; the rest is the loss's own config
    loss: (({ dim: _d, numClasses: _n, ...rest }) => rest)(
      resolved(r, "loss", { ...lossSpec, options: { ...lossSpec.options, dim: 2, numClasses: 2 } }),
    ),
    channels: [...(opts.channels ?? [128, 128, 128])],
    kernels: [...(opts.kernels ?? [5, 3, 3])],
    dilations: [...(opts.dilations ?? [1, 2, 3])],
    embedDim: opts.embedDim ?? 128,
    numMelBins: opts.numMelBins ?? 40,
    segSeconds: opts.segSeconds ?? 2,
    cropsPerUtt: opts.cropsPerUtt ?? 4,
    epochs: opts.epochs ?? 10,
    batchSize: opts.batchSize ?? 32,
    lr: opts.lr ?? 2e-3,
    speedPerturb: opts.speedPerturb ?? false,
    maxSeconds: opts.maxSeconds ?? 20,
    backbone: mode === "head" ? resolved(r, "backbone", spec(opts.backbone ?? "fbank-stats")) : null,
  };
  if (!opts.data && !opts.utterances) throw new ConfigError("train", "give a data dir (data) or utterances");
  check.oneOf("train", "mode", mode, ["tdnn", "head"] as const);
  for (const k of ["embedDim", "numMelBins", "cropsPerUtt", "epochs", "batchSize"] as const) {
    check.integer("train", k, cfg[k], 1);
  }
  for (const k of ["segSeconds", "lr", "maxSeconds"] as const) check.positive("train", k, cfg[k]);
  if (cfg.channels.length !== cfg.kernels.length || cfg.channels.length !== cfg.dilations.length) {
    throw new ConfigError(
      "train",
      `channels, kernels and dilations need the same length (${cfg.channels.length}, ${cfg.kernels.length}, ${cfg.dilations.length})`,
    );
  }
  const p = new Pipeline({
    name: "train",
    workDir: opts.workDir,
    resume: opts.resume,
    seed,
    quiet: opts.quiet,
  });
  const dirs = opts.data === undefined ? [] : typeof opts.data === "string" ? [opts.data] : [...opts.data];
  const data = await p.stage("data", {
    config: {
      dirs,
      inMemory: opts.utterances?.map(utteranceKey) ?? null,
    },
    files: dirs,
  }, async () => {
    if (opts.utterances) return opts.utterances.map((u) => ({ id: u.id, speaker: u.speaker }));
    const all: { id: string; speaker: string; path?: string }[] = [];
    for (const d of dirs) {
      for (const u of (await loadDataDir(d)).utts) all.push({ id: u.id, speaker: u.speaker, path: u.path });
    }
    return all;
  });
  const utts: Utterance[] = opts.utterances ? [...opts.utterances] : data;
  const speakers = [...new Set(utts.map((u) => u.speaker))].sort();
  const speakerOf = speakerIndex(utts.map((u) => u.speaker), speakers);
  if (speakers.length < 2) {
    throw new ConfigError("train", `needs at least 2 speakers, found ${speakers.length}`);
  }

  // Large matrix products go to WebGPU only on a real adapter that passed a parity check (else wasm).
  const device = await selectTrainingDevice(opts.device ?? "auto", { sync: true });
  if (!opts.quiet) status(`train: matrix products on ${device.device} (${device.reason})`);
  setGpuGemm(device.gemmSync);
  const trained = await p.stage("train", { config: cfg, inputs: [data] }, async (ctx) => {
    const lossOpts = (n: number, dim: number) => ({
      ...(lossSpec.options ?? {}),
      dim,
      numClasses: n,
      seed: ctx.seed,
    });
    if (mode === "head") {
      const bb = spec(opts.backbone ?? "fbank-stats");
      const model = await r.create("backbone", bb.name, bb.options ?? {});
      let x: Matrix;
      try {
        x = await embedAll(
          model,
          utts.length,
          async (i) => ({ id: utts[i].id, ...(await utteranceAudio(utts[i], 16000, cfg.maxSeconds)) }),
          `embed ${labelOf(bb)}`,
        );
      } finally {
        await model.dispose?.(); // also when a file fails to decode
      }
      const { head, report } = await trainHead(x, speakerOf, {
        outDim: cfg.embedDim,
        hidden: 256,
        loss: lossSpec.name,
        lossOptions: lossSpec.options ?? {},
        epochs: cfg.epochs,
        batchSize: cfg.batchSize,
        lr: cfg.lr,
        seed: ctx.seed,
      }, "train head");
      return {
        state: head.stateDict(),
        history: report.history,
        speakers: speakers.length,
        inputDim: x.cols,
      };
    }
    // features: WeSpeaker fbank with utterance CMN (what onnx-speaker feeds the exported model)
    const fopts = { ...FBANK_PRESETS.wespeaker, numMelBins: cfg.numMelBins };
    const feats: Matrix[] = [];
    const labels: number[] = [];
    const factors = cfg.speedPerturb ? [1, 0.9, 1.1] : [1];
    const bar = new Progress("train: fbank", utts.length * factors.length);
    for (let i = 0; i < utts.length; i++) {
      const a = await utteranceAudio(utts[i], 16000, cfg.maxSeconds);
      factors.forEach((f, fi) => {
        const x = f === 1 ? a.samples : speedPerturb(a.samples, f);
        feats.push(applyCmn(fbank(x, fopts)));
        labels.push(speakerOf[i] + fi * speakers.length); // perturbed copies are new speakers
        bar.tick();
      });
    }
    bar.done();
    const numClasses = speakers.length * factors.length;
    const seg = Math.round(cfg.segSeconds * 100);
    const rng = new StatefulRng(ctx.seed);
    const net = new Tdnn({
      inputDim: cfg.numMelBins,
      channels: cfg.channels,
      kernels: cfg.kernels,
      dilations: cfg.dilations,
      embedDim: cfg.embedDim,
      pooling: "stats",
      poolEps: 1e-7,
    }, rng);
    const loss = await r.create("loss", lossSpec.name, lossOpts(numClasses, cfg.embedDim));
    const shuffle = new StatefulRng(ctx.seed + 1);
    const items: number[] = [];
    for (let i = 0; i < feats.length; i++) for (let c = 0; c < cfg.cropsPerUtt; c++) items.push(i);
    const steps = Math.ceil(items.length / cfg.batchSize) * cfg.epochs;
    const trainer = new Trainer<number[]>({
      epochs: cfg.epochs,
      patience: 0,
      minDelta: 0,
      clipNorm: 5,
      label: "train tdnn",
    }, {
      model: net,
      optimizer: new Adam([...net.parameters(), ...loss.parameters()], { lr: cfg.lr }),
      schedule: lrSchedule({
        base: cfg.lr,
        warmupSteps: Math.min(20, steps - 1),
        decay: "cosine",
        totalSteps: steps,
        minLr: cfg.lr * 0.02,
      }),
      rngs: { shuffle, init: rng },
      batches() {
        const order = shuffle.shuffle([...items]);
        const out: number[][] = [];
        for (let s = 0; s + 1 < order.length; s += cfg.batchSize) out.push(order.slice(s, s + cfg.batchSize));
        return out;
      },
      step(batch) {
        // one random crop of `seg` frames per item (shorter utterances are tiled), as [B, F, T]
        const F = cfg.numMelBins, B = batch.length;
        const x = new Float32Array(B * F * seg);
        batch.forEach((u, b) => {
          const m = feats[u];
          const start = m.rows > seg ? shuffle.int(m.rows - seg + 1) : 0;
          for (let t = 0; t < seg; t++) {
            const row = m.rows > seg ? start + t : t % m.rows;
            for (let f = 0; f < F; f++) x[b * F * seg + f * seg + t] = m.data[row * F + f];
          }
        });
        const emb = net.forward(tensor(x, [B, F, seg]));
        return {
          loss: loss.forward({ embeddings: emb, labels: Int32Array.from(batch, (u) => labels[u]) }),
          samples: B,
        };
      },
    });
    const report = await trainer.fit();
    net.eval();
    return {
      state: net.stateDict(),
      history: report.history,
      speakers: numClasses,
      inputDim: cfg.numMelBins,
    };
  }).finally(() => {
    setGpuGemm(undefined);
    device.gemmSync?.dispose();
  });

  const outPath = opts.out ?? (opts.workDir ? `${opts.workDir}/model.onnx` : "out/train/model.onnx");
  const state = trained.state as StateDict;
  const exported = await p.stage(
    "export",
    { config: { out: outPath }, inputs: [trained], noCache: true },
    async () => {
      const layers: LayerSpec[] = mode === "tdnn"
        ? tdnnSpec(cfg.channels.length, cfg.dilations)
        : [{ type: "linear", name: "0" }, { type: "relu" }, { type: "linear", name: "2" }];
      const e = await exportModule({ stateDict: () => state }, layers, {
        inputDim: trained.inputDim,
        path: outPath,
        metadata: { "embedkit.trained": `${lossSpec.name} on ${trained.speakers} classes, seed ${seed}` },
      });
      return {
        path: outPath,
        bytes: e.bytes.length,
        inputName: e.inputName,
        outputName: e.outputName,
        outputDim: e.outputDim,
      };
    },
  );
  let parameters = 0;
  for (const t of Object.values(state)) parameters += t.data.length;
  return {
    mode,
    model: exported.path,
    speakers: speakers.length,
    utterances: utts.length,
    history: trained.history.map((h) => ({
      epoch: h.epoch,
      trainLoss: h.trainLoss,
      samplesPerSec: h.samplesPerSec,
    })),
    parameters,
    state,
    seed,
    device: { device: device.device, reason: device.reason },
    config: cfg,
    stages: p.records(),
  };
}
