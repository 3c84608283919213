/**
 * The scalar options of the training recipe (core/pipelines/train.ts), declared once: defaults,
 * bounds and help for the library, validation messages and the CLI come from here. The interface is
 * spelled out for JSR's explicit-types rule.
 * @module
 */
import { AUGMENT_PRESETS, AUGMENTERS } from "../augment/presets.ts";
import { SPEAKER_ARCHS } from "../nn/speaker_nets.ts";
import { ConfigError } from "../errors.ts";
import { opt, type SchemaOf } from "../options.ts";

/** What the recipe trains: a speaker network on fbank, or a head on a backbone's embeddings ("tdnn": old name of "speaker"). */
export type TrainMode = "speaker" | "head" | "tdnn";

/** The scalar options of `train`. */
export interface TrainConfig {
  /** A speaker network on fbank (`arch`), or a head on a backbone's embeddings. */
  mode: TrainMode;
  /** Speaker network: x-vector TDNN, ResNet34, ResNet34-SE or ECAPA-TDNN. */
  arch: "tdnn" | "resnet34" | "resnet34-se" | "ecapa";
  /** ResNet base channels m / ECAPA channels C (null: WeSpeaker's 32 / 512). */
  width: number | null;
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
  /** Online augmentation: a preset or a comma list of augmenters ("" = none). */
  augment: string;
  /** Probability that a crop gets one waveform augmentation. */
  augmentProb: number;
  /** Large-margin fine-tuning epochs after the main training (0 = none). */
  lmEpochs: number;
  /** Fine-tuning crop length (s). */
  lmSegSeconds: number;
  /** Fine-tuning margin of the classification loss. */
  lmMargin: number;
  /** Fine-tuning peak learning rate (null = lr / 20). */
  lmLr: number | null;
  /** Average the weights of the last k epochs of the main training (1 = the last epoch's). */
  averageLast: number;
  /** Where utterance languages come from: "" (none), "data-dir", or a regex on utterance ids. */
  languageFrom: string;
  /** Weight of the language-invariance MSE (batch language means; 2 languages); 0 = off. */
  langInvariant: number;
  /** Gradient-reversal strength of the language-adversarial classifier; 0 = off. */
  adversarial: number;
}

const PRESETS = Object.keys(AUGMENT_PRESETS).join(", ");

/** The options of `train`, declared once (defaults, bounds, help). */
export const TRAIN_OPTIONS: SchemaOf<TrainConfig> = {
  mode: opt.oneOf(
    ["speaker", "head", "tdnn"] as const,
    "speaker",
    "speaker (a network on fbank, see arch), head (a head on a backbone's embeddings); tdnn = speaker",
  ),
  arch: opt.oneOf(SPEAKER_ARCHS, "tdnn", "speaker network: tdnn, resnet34, resnet34-se or ecapa"),
  width: opt.integer(null, "ResNet base channels m / ECAPA channels C (null: 32 / 512)", {
    min: 1,
    nullable: true,
  }),
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
  augment: opt.string(
    "",
    `online augmentation per crop: a preset (${PRESETS}) or a comma list of ${AUGMENTERS.join(", ")}`,
  ),
  augmentProb: opt.number(0.6, "probability that a crop gets one waveform augmentation (WeSpeaker 0.6)", {
    min: 0,
    max: 1,
  }),
  lmEpochs: opt.integer(0, "large-margin fine-tuning epochs after training (WeSpeaker LM: 5); 0 = none", {
    min: 0,
  }),
  lmSegSeconds: opt.number(4, "fine-tuning crop length (s; WeSpeaker LM: 6)", { gt: 0 }),
  lmMargin: opt.number(0.5, "fine-tuning margin of the classification loss (WeSpeaker LM: 0.5)", { min: 0 }),
  lmLr: opt.number(null, "fine-tuning peak learning rate (null = lr / 20)", { gt: 0, nullable: true }),
  averageLast: opt.integer(1, "average the weights of the last k epochs (1 = the last epoch only)", {
    min: 1,
  }),
  languageFrom: opt.string(
    "",
    "utterance languages: '' (none), 'data-dir' (one language per data dir) or a regex on utterance ids",
  ),
  langInvariant: opt.number(0, "weight of the language-invariance MSE (2 languages); 0 = off", { min: 0 }),
  adversarial: opt.number(0, "gradient-reversal strength of a language classifier; 0 = off", { min: 0 }),
};

/** Checks that involve several options (per-option bounds come from the declarations); `tdnn` mode becomes `speaker`. */
export function checkTrainConfig(cfg: TrainConfig): TrainConfig {
  const n = cfg.channels.length;
  if (cfg.arch === "tdnn" && (n !== cfg.kernels.length || n !== cfg.dilations.length)) {
    throw new ConfigError(
      "train",
      `channels, kernels and dilations need the same length (${n}, ${cfg.kernels.length}, ${cfg.dilations.length})`,
    );
  }
  if ((cfg.arch === "resnet34" || cfg.arch === "resnet34-se") && cfg.numMelBins % 8) {
    throw new ConfigError(
      "train",
      `arch ${cfg.arch} needs numMelBins divisible by 8 (e.g. 80), got ${cfg.numMelBins}`,
    );
  }
  if (cfg.arch === "ecapa" && cfg.width !== null && cfg.width % 8) {
    throw new ConfigError(
      "train",
      `arch ecapa needs width (C) divisible by 8 (Res2Net scale 8), got ${cfg.width}`,
    );
  }
  if ((cfg.langInvariant || cfg.adversarial) && !cfg.languageFrom) {
    throw new ConfigError(
      "train",
      "langInvariant / adversarial need languageFrom ('data-dir' or a regex on utterance ids)",
    );
  }
  if (cfg.averageLast > cfg.epochs) {
    throw new ConfigError("train", `averageLast (${cfg.averageLast}) cannot exceed epochs (${cfg.epochs})`);
  }
  return { ...cfg, mode: cfg.mode === "tdnn" ? "speaker" : cfg.mode };
}
