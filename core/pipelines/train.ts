/**
 * The training recipe: a data dir (speaker-labelled utterances) -> Kaldi fbank (WeSpeaker preset) ->
 * random fixed-length crops -> a speaker network (x-vector TDNN, ResNet34, ResNet34-SE or ECAPA-TDNN)
 * trained with any classification loss plugin (AAM-softmax by default) -> ONNX export that the
 * onnx-speaker backbone loads. The CRMI-DKU / WeSpeaker recipe's parts are options: speed perturbation
 * (0.9x / 1.1x copies as new speakers), online augmentation per crop through the registry's augmenter
 * plugins (noise, music, babble from the training speakers only, reverberation, SpecAugment), checkpoint
 * averaging, large-margin fine-tuning, and language-invariance / language-adversarial terms for
 * multi-language data. `mode: "head"` trains a small head on a backbone's embeddings instead.
 * Training checkpoints every epoch and resumes after a kill, byte-identical.
 *
 * Stages: data, [embed-<backbone>], train, [train-lm], export.
 * @module
 */
import { setGpuGemm } from "../autodiff/gemm.ts";
import { augmentRecipe } from "../augment/presets.ts";
import { speakerIndex, type Utterance } from "../data/datasets.ts";
import { languagesOf } from "../data/languages.ts";
import { ConfigError } from "../errors.ts";
import { selectTrainingDevice, type TrainingDevicePref } from "../kernels/training_device.ts";
import type { StateDict } from "../onnx/layers.ts";
import { resolveConfig } from "../options.ts";
import { status } from "../progress.ts";
import { exportTrained } from "./train_export.ts";
import { checkTrainConfig, TRAIN_OPTIONS, type TrainConfig, type TrainMode } from "./train_options.ts";
import { type Trained, trainHeadStage, trainSpeakerStages } from "./train_speaker.ts";
import { AudioCache, embedUtterances, loadData, openRun, pluginKey, records, resolve } from "./stages/mod.ts";
import type { DataSource, PluginSpec, Run, RunOptions, StageRecord } from "./stages/mod.ts";

export { TRAIN_OPTIONS, type TrainConfig, type TrainMode } from "./train_options.ts";

/** Options of {@link train}. */
export interface TrainOptions extends RunOptions, DataSource, Partial<TrainConfig> {
  /** Classification loss plugin (default aam-softmax, margin 0.2, scale 30). */
  readonly loss?: string | PluginSpec;
  /** head mode: the backbone whose embeddings the head learns from (default fbank-stats). */
  readonly backbone?: string | PluginSpec;
  /** Folder of the music files for `augment` with music (e.g. the shared data's augment/music). */
  readonly musicDir?: string;
  /** Options of the augmenter plugins by name, e.g. { reverb: { rooms: 50 } } (validated by each plugin). */
  readonly augmentOptions?: Readonly<Record<string, Record<string, unknown>>>;
  /** Where to write the ONNX model (default: <workDir>/model.onnx or out/train/model.onnx). */
  readonly out?: string;
  /** Where training's large matrix products run: "auto" (WebGPU only on a real, parity-checked adapter), "wasm", "webgpu". */
  readonly device?: TrainingDevicePref;
}

/** What {@link train} returns. */
export interface TrainResult {
  readonly mode: TrainMode;
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
  /** Epochs whose weights were averaged (absent: the last epoch's). */
  readonly averaged?: number[];
  /** With averaging and no fine-tuning: the last epoch's own model, written beside `model`. */
  readonly lastEpochModel?: string;
  readonly config: Record<string, unknown>;
  readonly stages: StageRecord[];
}

/** Trains and exports; returns where the model is and how training went. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const cfg = checkTrainConfig(
    resolveConfig("train", TRAIN_OPTIONS, definedOf(opts, Object.keys(TRAIN_OPTIONS))),
  );
  const run = openRun("train", opts);
  // every plugin resolved before any work (dim and numClasses come from the data; seed from the stage)
  const loss = await resolve(run, "loss", withShape(opts.loss ?? DEFAULT_LOSS));
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
  // 2. speaker mode's extras: the augmentation recipe (its plugins resolved now) and utterance languages
  const extras = cfg.mode === "head" ? undefined : await speakerExtras(run, cfg, opts, ds.utts);
  const spec = {
    config: { ...cfg, loss: pluginKey(loss), backbone: pluginKey(backbone), augmenters: extras?.keys ?? [] },
    inputs: [ds.utts],
    files: extras?.files ?? [],
  };
  // 3. training, checkpointed each epoch: the one dispatch by mode
  const device = await trainingDevice(opts);
  let trained: Trained;
  try {
    switch (cfg.mode) {
      case "head": {
        // embeddings [N, D] first, a cached stage of their own
        const emb = await embedUtterances(run, new AudioCache(ds.utts, 16000, cfg.maxSeconds), backbone!);
        trained = await trainHeadStage(run, cfg, loss, emb, labels, spec);
        break;
      }
      default:
        trained = await trainSpeakerStages(run, {
          cfg,
          loss,
          utts: ds.utts,
          labels,
          numSpeakers: speakers.length,
          augment: extras!.augment,
          languages: extras!.languages,
          spec,
        });
    }
  } finally {
    setGpuGemm(undefined);
    device.gemmSync?.dispose();
  }
  // 4. ONNX export for onnx-speaker (with averaging, the last epoch's own model beside it, for comparison)
  const out = opts.out ?? (opts.workDir ? `${opts.workDir}/model.onnx` : "out/train/model.onnx");
  const note = `${
    cfg.mode === "head" ? "head" : cfg.arch
  }, ${loss.name} on ${trained.speakers} classes, seed ${run.seed}`;
  const exported = await exportTrained(run, cfg, trained, out, note);
  const lastOut = trained.last && out.replace(/(\.onnx)?$/, ".last-epoch.onnx");
  if (lastOut) {
    await exportTrained(run, cfg, { ...trained, state: trained.last! }, lastOut, `${note}, last epoch`);
  }
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
    parameters: Object.values(trained.state).reduce((s, t) => s + t.data.length, 0),
    state: trained.state,
    seed: run.seed,
    device: { device: device.device, reason: device.reason },
    ...(trained.averaged ? { averaged: trained.averaged } : {}),
    ...(lastOut ? { lastEpochModel: lastOut } : {}),
    // the loss's own options (its shape facts come from the data), the backbone's full config
    config: {
      ...cfg,
      loss: { plugin: loss.name, ...omit(loss.config, ["dim", "numClasses"]) },
      backbone: backbone ? { plugin: backbone.name, ...backbone.config } : null,
      augment: extras?.augment ? { preset: cfg.augment, ...omit({ ...extras.augment }, ["babble"]) } : null,
      languages: extras?.languages?.names ?? null,
    },
    stages: records(run),
  };
}

const DEFAULT_LOSS: PluginSpec = { name: "aam-softmax", options: { margin: 0.2, scale: 30 } };

/** Large matrix products go to WebGPU only on a real adapter that passed a parity check (else wasm). */
async function trainingDevice(opts: TrainOptions) {
  const device = await selectTrainingDevice(opts.device ?? "auto", { sync: true });
  if (!opts.quiet) status(`train: matrix products on ${device.device} (${device.reason})`);
  setGpuGemm(device.gemmSync);
  return device;
}

/**
 * The augmentation recipe (babble talkers: the training utterances themselves, never test speakers;
 * every augmenter resolved now, its config and code for the cache key) and the utterance languages.
 */
async function speakerExtras(run: Run, cfg: TrainConfig, opts: TrainOptions, utts: Utterance[]) {
  const augment = augmentRecipe(cfg.augment, {
    prob: cfg.augmentProb,
    musicDir: opts.musicDir,
    talkers: utts.flatMap((u) => (u.path ? [{ speaker: u.speaker, path: u.path }] : [])),
    talkerSeconds: cfg.maxSeconds,
    options: opts.augmentOptions,
  });
  const names = augment
    ? [...Object.keys(augment.weights), ...(augment.specaugment ? ["specaugment"] : [])]
    : [];
  const optionsOf = (n: string) =>
    (n === "specaugment" ? augment!.specaugment : augment![n as "noise"]) ?? {};
  const keys = [];
  for (const n of names) {
    keys.push(pluginKey(await resolve(run, "augmenter", { name: n, options: optionsOf(n) })));
  }
  return {
    augment,
    keys,
    // the music files are fingerprinted like the data
    files: opts.musicDir && augment?.weights.music ? [opts.musicDir] : [],
    languages: cfg.languageFrom ? languagesOf(utts, cfg.languageFrom, dirsOf(opts)) : undefined,
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

function dirsOf(o: DataSource): string[] {
  return o.data === undefined ? [] : typeof o.data === "string" ? [o.data] : [...o.data];
}
