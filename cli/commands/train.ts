/**
 * `embedkit train`: train a speaker network (x-vector TDNN, ResNet34, ResNet34-SE, ECAPA-TDNN) or a
 * head with any loss plugin, with the recipe's options (online augmentation, speed perturbation,
 * checkpoint averaging, large-margin fine-tuning, language terms); export ONNX. Every option maps to
 * one of TRAIN_OPTIONS (core/pipelines/train_options.ts). `--modality text` trains a text embedding model
 * on JSON-lines pairs (core/pipelines/train_text.ts; its options come from TEXT_TRAIN_OPTIONS) and writes
 * a model folder the `text` backbone loads; options of the other modality are refused by name.
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { train, TRAIN_OPTIONS } from "../../core/pipelines/train.ts";
import { AUGMENT_PRESETS, AUGMENTERS } from "../../core/augment/presets.ts";
import { backboneSpecs, EP_OPTION, parseSpec } from "./pipeline_args.ts";
import type { ParsedArgs } from "../common.ts";
import { allowedText, parseOptionText } from "../../core/options.ts";
import { TEXT_TRAIN_OPTIONS, trainText } from "../../core/pipelines/train_text.ts";
import { formatCardTable } from "../../core/text/evaluate.ts";

/** Defaults of the speaker options (applied here so that options given with --modality text are seen). */
const SPEAKER_DEFAULTS: Record<string, string> = {
  mode: "speaker",
  arch: "tdnn",
  loss: "aam-softmax:margin=0.2,scale=30",
  backbone: "fbank-stats",
  channels: "128,128,128",
  kernels: "5,3,3",
  dilations: "1,2,3",
  "embed-dim": "128",
  "mel-bins": "40",
  "seg-seconds": "2",
  crops: "4",
  epochs: "10",
  "batch-size": "32",
  lr: "0.002",
  "max-seconds": "20",
  augment: "none",
  "augment-prob": "0.6",
  "music-dir": "../shared/data/augment/music",
  "lm-epochs": "0",
  "lm-seg-seconds": "4",
  "lm-margin": "0.5",
  "average-last": "1",
  "lang-invariant": "0",
  adversarial: "0",
  "model-out": "out/train/model.onnx",
  seed: "1234",
  device: "auto",
  work: "out/train/work",
};

/** Options both modalities take (the rest of SPEAKER_DEFAULTS, and ep, are speaker-only). */
const SHARED = ["loss", "backbone", "epochs", "batch-size", "lr", "model-out", "seed", "work"];

/** Text options as flags, from their one declaration (TEXT_TRAIN_OPTIONS); epochs/batch/lr are shared flags. */
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
const TEXT_KEYS = Object.keys(TEXT_TRAIN_OPTIONS).filter((k) => !["epochs", "batchSize", "lr"].includes(k));
const TEXT_FLAGS: Record<string, { type: "string"; help: string }> = Object.fromEntries(
  TEXT_KEYS.map((k) => {
    const d = TEXT_TRAIN_OPTIONS[k as keyof typeof TEXT_TRAIN_OPTIONS];
    const def = Array.isArray(d.default) ? d.default.join(",") : String(d.default);
    return [kebab(k), { type: "string", help: `text: ${d.help} [${allowedText(d)}] (default: ${def})` }];
  }),
);

function withDefaults(a: ParsedArgs, defaults: Record<string, string>): ParsedArgs {
  const values = { ...a.values };
  for (const [k, v] of Object.entries(defaults)) values[k] ??= v;
  return { values, positionals: a.positionals };
}

/** Refuses options of the other modality, naming them. */
function refuse(a: ParsedArgs, names: string[], modality: string, fix: string): void {
  const given = names.filter((k) => a.values[k] !== undefined);
  if (given.length) {
    throw new UsageError(
      `${given.map((k) => `--${k}`).join(", ")} ${
        given.length > 1 ? "are" : "is"
      } for ${modality} training; ${fix}\n` +
        "run 'embedkit train --help' for the options",
    );
  }
}

/** `train --modality text PAIRS.jsonl[.gz]`. */
async function trainTextCommand(args: ParsedArgs): Promise<number> {
  refuse(
    args,
    [
      ...Object.keys(SPEAKER_DEFAULTS).filter((k) => !SHARED.includes(k)),
      "width",
      "lm-lr",
      "language-from",
      "augment-options",
      "speed-perturb",
      "ep",
    ],
    "speaker",
    "text training takes --model static|transformer|adapter and the text options (see --help)",
  );
  if (args.positionals.length !== 1) {
    throw new UsageError(
      `--modality text takes one pairs file (JSON lines with anchor/positive), got ${args.positionals.length}\n` +
        "run 'embedkit train --help' for the options",
    );
  }
  const text: Record<string, unknown> = {};
  for (const k of TEXT_KEYS) {
    const raw = args.values[kebab(k)];
    if (raw === undefined) continue;
    try {
      text[k] = parseOptionText(
        `--${kebab(k)}`,
        TEXT_TRAIN_OPTIONS[k as keyof typeof TEXT_TRAIN_OPTIONS],
        String(raw),
      );
    } catch (e) {
      throw new UsageError(`${(e as Error).message}\nrun 'embedkit train --help' for the options`);
    }
  }
  const r = await trainText({
    pairs: args.positionals[0],
    dev: args.values.dev as string | undefined,
    ...text,
    epochs: numberOpt(args, "epochs"),
    batchSize: numberOpt(args, "batch-size"),
    lr: numberOpt(args, "lr"),
    loss: args.values.loss ? parseSpec(args.values.loss as string, "loss") : undefined,
    backbone: args.values.backbone ? parseSpec(args.values.backbone as string, "backbone") : undefined,
    out: (args.values["model-out"] as string | undefined) ?? "out/train-text/model",
    seed: numberOpt(args, "seed"),
    workDir: (args.values.work as string | undefined) ?? "out/train-text/work",
    resume: !args.values.fresh,
  });
  const last = r.history.at(-1);
  if (last?.dev) {
    console.error(
      `dev after epoch ${last.epoch} (${r.pairs.dev} pairs):\n` +
        formatCardTable(Object.fromEntries(Object.entries(last.dev).map(([d, m]) => [`dim ${d}`, m]))),
    );
  }
  await emit(args, JSON.stringify(r, null, 2));
  return 0;
}

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
  summary: "train a speaker network (TDNN, ResNet34[-SE], ECAPA) or a head on speaker-labelled data, " +
    "or (--modality text) a text embedding model on pairs; export ONNX",
  usage: "DATA_DIR... [--arch ecapa --width 128] [--augment default] [--speed-perturb] [--lm-epochs N] " +
    "[--model-out FILE.onnx]\n   or: deno task embedkit train PAIRS.jsonl[.gz] --modality text [--dev DEV.jsonl.gz] " +
    "[--model static|transformer|adapter] [--dims 384,256,128,64] [--model-out DIR]",
  options: {
    ...EP_OPTION,
    modality: {
      type: "string",
      help: "speaker (DATA_DIR... of audio) or text (one PAIRS.jsonl[.gz] of anchor/positive lines)",
      choices: ["speaker", "text"],
      default: "speaker",
    },
    dev: {
      type: "string",
      help: "text: dev pairs evaluated after every epoch (the card's table)",
      path: true,
    },
    ...TEXT_FLAGS,
    mode: {
      type: "string",
      help:
        "speaker (a network on fbank, see --arch) or head (a head on a backbone's embeddings); tdnn = speaker",
      choices: TRAIN_OPTIONS.mode.values,
    },
    arch: {
      type: "string",
      help: "speaker network: tdnn, resnet34, resnet34-se, ecapa",
      choices: TRAIN_OPTIONS.arch.values,
    },
    width: {
      type: "string",
      help: "ResNet base channels m / ECAPA channels C (default: 32 / 512; 8-16 / 128 fit a 2-core CPU)",
      number: { integer: true, min: 1 },
    },
    loss: {
      type: "string",
      help:
        "loss spec (default: speaker aam-softmax:margin=0.2,scale=30; text matryoshka over mnrl at --dims)",
    },
    backbone: {
      type: "string",
      help: "head mode: backbone spec whose embeddings the head learns from",
    },
    channels: { type: "string", help: "TDNN channels per layer" },
    kernels: { type: "string", help: "TDNN kernel sizes" },
    dilations: { type: "string", help: "TDNN dilations" },
    "embed-dim": { type: "string", help: "embedding size" },
    "mel-bins": { type: "string", help: "fbank mel bins" },
    "seg-seconds": { type: "string", help: "training crop length (s)" },
    crops: { type: "string", help: "crops per utterance per epoch" },
    epochs: { type: "string", help: "epochs (default: speaker 10, text 4)" },
    "batch-size": { type: "string", help: "batch size (default: speaker 32, text 1024)" },
    lr: {
      type: "string",
      help:
        "peak learning rate (speaker: Adam, warm-up + cosine, default 0.002; text: AdamW, warm-up + linear decay, default 0.1 static / 1e-3)",
    },
    "speed-perturb": { type: "boolean", help: "add 0.9x / 1.1x speed-perturbed copies as new speakers" },
    "max-seconds": { type: "string", help: "use at most this much of each utterance (s)" },
    augment: {
      type: "string",
      help: `online augmentation per crop: a preset (${
        Object.keys(AUGMENT_PRESETS).join(", ")
      }) or a comma list of ${AUGMENTERS.join(", ")}`,
    },
    "augment-prob": {
      type: "string",
      help: "probability that a crop gets one waveform augmentation",
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
      path: true,
    },
    "lm-epochs": {
      type: "string",
      help: "large-margin fine-tuning epochs after training (WeSpeaker LM: 5); 0 = none",
      number: { integer: true, min: 0 },
    },
    "lm-seg-seconds": {
      type: "string",
      help: "fine-tuning crop length (s)",
      number: { min: 0, minExclusive: true, unit: "s" },
    },
    "lm-margin": {
      type: "string",
      help: "fine-tuning margin of the loss",
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
      number: { min: 0 },
    },
    adversarial: {
      type: "string",
      help: "gradient-reversal strength of a language classifier; 0 = off",
      number: { min: 0 },
    },
    "model-out": {
      type: "string",
      help:
        "where to write the model (default: speaker out/train/model.onnx; text: the folder out/train-text/model)",
    },
    seed: { type: "string", help: "seed (default 1234)" },
    device: {
      type: "string",
      help:
        "where large matrix products run: auto (WebGPU only on a real, parity-checked adapter), wasm, webgpu",
    },
    work: {
      type: "string",
      help: "work dir for cached stages (resumes; default: out/train/work, text out/train-text/work)",
    },
    fresh: { type: "boolean", help: "recompute every stage" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(parsed) {
    if (parsed.values.modality === "text") return await trainTextCommand(parsed);
    refuse(parsed, Object.keys(TEXT_FLAGS).concat("dev"), "text", "add --modality text, or drop them");
    const args = withDefaults(parsed, SPEAKER_DEFAULTS);
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

// --help shows each speaker default (applied in run(), so that options given with --modality text are seen)
for (const [k, v] of Object.entries(SPEAKER_DEFAULTS)) {
  const o = trainCommand.options[k];
  if (o && !o.help.includes("default")) trainCommand.options[k] = { ...o, help: `${o.help} (default: ${v})` };
}
