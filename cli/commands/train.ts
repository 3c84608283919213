/**
 * `embedkit train`: train a speaker network (x-vector TDNN, ResNet34, ResNet34-SE, ECAPA-TDNN) or a
 * head with any loss plugin, with the recipe's options (online augmentation, speed perturbation,
 * checkpoint averaging, large-margin fine-tuning, language terms); export ONNX. Every option maps to
 * one of TRAIN_OPTIONS (core/pipelines/train_options.ts).
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { train, TRAIN_OPTIONS } from "../../core/pipelines/train.ts";
import { AUGMENT_PRESETS, AUGMENTERS } from "../../core/augment/presets.ts";
import { backboneSpecs, EP_OPTION, parseSpec } from "./pipeline_args.ts";

function list(v: unknown, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  return String(v).split(",").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: '${s}' is not a positive integer`);
    return n;
  });
}

function jsonObject(v: unknown, name: string): Record<string, Record<string, unknown>> | undefined {
  if (v === undefined) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(String(v));
  } catch (e) {
    throw new UsageError(`--${name}: not JSON (${(e as Error).message}); e.g. '{"reverb":{"rooms":50}}'`);
  }
  if (
    !o || typeof o !== "object" || Array.isArray(o) ||
    Object.values(o).some((x) => !x || typeof x !== "object")
  ) {
    throw new UsageError(
      `--${name}: give an object of objects by augmenter name, e.g. '{"reverb":{"rooms":50}}'`,
    );
  }
  return o as Record<string, Record<string, unknown>>;
}

export const trainCommand: Command = {
  summary:
    "train a speaker network (TDNN, ResNet34[-SE], ECAPA) or a head on speaker-labelled data; export ONNX",
  usage:
    "DATA_DIR... [--arch ecapa --width 128] [--augment default] [--speed-perturb] [--lm-epochs N] [--model-out FILE.onnx]",
  options: {
    ...EP_OPTION,
    mode: {
      type: "string",
      help:
        "speaker (a network on fbank, see --arch) or head (a head on a backbone's embeddings); tdnn = speaker",
      default: "speaker",
      choices: TRAIN_OPTIONS.mode.values,
    },
    arch: {
      type: "string",
      help: "speaker network: tdnn, resnet34, resnet34-se, ecapa",
      default: "tdnn",
      choices: TRAIN_OPTIONS.arch.values,
    },
    width: {
      type: "string",
      help: "ResNet base channels m / ECAPA channels C (default: 32 / 512; 8-16 / 128 fit a 2-core CPU)",
      number: { integer: true, min: 1 },
    },
    loss: { type: "string", help: "classification loss spec", default: "aam-softmax:margin=0.2,scale=30" },
    backbone: {
      type: "string",
      help: "head mode: backbone spec whose embeddings the head learns from",
      default: "fbank-stats",
    },
    channels: { type: "string", help: "TDNN channels per layer", default: "128,128,128" },
    kernels: { type: "string", help: "TDNN kernel sizes", default: "5,3,3" },
    dilations: { type: "string", help: "TDNN dilations", default: "1,2,3" },
    "embed-dim": { type: "string", help: "embedding size", default: "128" },
    "mel-bins": { type: "string", help: "fbank mel bins", default: "40" },
    "seg-seconds": { type: "string", help: "training crop length (s)", default: "2" },
    crops: { type: "string", help: "crops per utterance per epoch", default: "4" },
    epochs: { type: "string", help: "epochs", default: "10" },
    "batch-size": { type: "string", help: "batch size", default: "32" },
    lr: { type: "string", help: "peak learning rate (Adam, warm-up + cosine decay)", default: "0.002" },
    "speed-perturb": { type: "boolean", help: "add 0.9x / 1.1x speed-perturbed copies as new speakers" },
    "max-seconds": { type: "string", help: "use at most this much of each utterance (s)", default: "20" },
    augment: {
      type: "string",
      help: `online augmentation per crop: a preset (${
        Object.keys(AUGMENT_PRESETS).join(", ")
      }) or a comma list of ${AUGMENTERS.join(", ")}`,
      default: "none",
    },
    "augment-prob": {
      type: "string",
      help: "probability that a crop gets one waveform augmentation",
      default: "0.6",
      number: { min: 0, max: 1 },
    },
    "augment-options": {
      type: "string",
      help:
        `options of the augmenter plugins as JSON, e.g. '{"reverb":{"rooms":50},"noise":{"snrDb":[5,15]}}'`,
    },
    "music-dir": {
      type: "string",
      help: "folder of the music files for --augment music",
      default: "../shared/data/augment/music",
      path: true,
    },
    "lm-epochs": {
      type: "string",
      help: "large-margin fine-tuning epochs after training (WeSpeaker LM: 5); 0 = none",
      default: "0",
      number: { integer: true, min: 0 },
    },
    "lm-seg-seconds": {
      type: "string",
      help: "fine-tuning crop length (s)",
      default: "4",
      number: { min: 0, minExclusive: true, unit: "s" },
    },
    "lm-margin": {
      type: "string",
      help: "fine-tuning margin of the loss",
      default: "0.5",
      number: { min: 0 },
    },
    "lm-lr": {
      type: "string",
      help: "fine-tuning peak learning rate (default: lr / 20)",
      number: { min: 0, minExclusive: true },
    },
    "average-last": {
      type: "string",
      help: "average the weights of the last k epochs (1 = the last epoch's)",
      default: "1",
      number: { integer: true, min: 1 },
    },
    "language-from": {
      type: "string",
      help:
        "languages for --lang-invariant / --adversarial: 'data-dir' (one per input) or a regex on each utterance id",
    },
    "lang-invariant": {
      type: "string",
      help: "weight of the language-invariance MSE (2 languages); 0 = off",
      default: "0",
      number: { min: 0 },
    },
    adversarial: {
      type: "string",
      help: "gradient-reversal strength of a language classifier; 0 = off",
      default: "0",
      number: { min: 0 },
    },
    "model-out": { type: "string", help: "where to write the ONNX model", default: "out/train/model.onnx" },
    seed: { type: "string", help: "seed", default: "1234" },
    device: {
      type: "string",
      help:
        "where large matrix products run: auto (WebGPU only on a real, parity-checked adapter), wasm, webgpu",
      default: "auto",
    },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/train/work" },
    fresh: { type: "boolean", help: "recompute every stage" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    if (!args.positionals.length) throw new UsageError("give one or more data dirs (see --help)");
    const r = await train({
      data: args.positionals,
      mode: args.values.mode as "speaker" | "head" | "tdnn",
      arch: args.values.arch as "tdnn" | "resnet34" | "resnet34-se" | "ecapa",
      width: numberOpt(args, "width"),
      loss: parseSpec(args.values.loss as string),
      backbone: backboneSpecs(args, args.values.backbone as string)![0],
      channels: list(args.values.channels, "channels"),
      kernels: list(args.values.kernels, "kernels"),
      dilations: list(args.values.dilations, "dilations"),
      embedDim: numberOpt(args, "embed-dim"),
      numMelBins: numberOpt(args, "mel-bins"),
      segSeconds: numberOpt(args, "seg-seconds"),
      cropsPerUtt: numberOpt(args, "crops"),
      epochs: numberOpt(args, "epochs"),
      batchSize: numberOpt(args, "batch-size"),
      lr: numberOpt(args, "lr"),
      speedPerturb: Boolean(args.values["speed-perturb"]),
      maxSeconds: numberOpt(args, "max-seconds"),
      augment: args.values.augment === "none" ? "" : args.values.augment as string,
      augmentProb: numberOpt(args, "augment-prob"),
      musicDir: args.values["music-dir"] as string,
      augmentOptions: jsonObject(args.values["augment-options"], "augment-options"),
      lmEpochs: numberOpt(args, "lm-epochs"),
      lmSegSeconds: numberOpt(args, "lm-seg-seconds"),
      lmMargin: numberOpt(args, "lm-margin"),
      lmLr: numberOpt(args, "lm-lr"),
      averageLast: numberOpt(args, "average-last"),
      languageFrom: args.values["language-from"] as string | undefined,
      langInvariant: numberOpt(args, "lang-invariant"),
      adversarial: numberOpt(args, "adversarial"),
      out: args.values["model-out"] as string,
      seed: numberOpt(args, "seed"),
      device: args.values.device as "auto" | "wasm" | "webgpu",
      workDir: args.values.work as string,
      resume: !args.values.fresh,
    });
    const { state: _state, ...rest } = r;
    await emit(args, JSON.stringify(rest, null, 2));
    return 0;
  },
};
