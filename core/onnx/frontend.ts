/**
 * Speaker-model front ends: which features a speaker-embedding ONNX model expects and how they are laid
 * out. Resolved from (in order) explicit options, the model's ONNX metadata (`embedkit.frontend`, or
 * sherpa-onnx's `framework` key), NeMo's export signature (`audio_signal` + `length`), then the model's
 * input shape. Fbank itself comes from core/features/fbank.ts (Kaldi-compatible, with the toolkit
 * presets); NeMo models get NeMo's own mel front end (core/features/nemo_mel.ts).
 * @module
 */
import { FBANK_PRESETS, type FbankOptions } from "../features/fbank.ts";
import { NEMO_TITANET, nemoMelFromMetadata, type NemoMelOptions, nemoSizes } from "../features/nemo_mel.ts";
import { ConfigError } from "../errors.ts";
import type { ModelHeader } from "./writer.ts";

/** Named front-end presets (an fbank preset + tensor conventions). */
export const FRONTEND_PRESETS = {
  /** WeSpeaker recipes and pyannote's WeSpeaker port: x32768, hamming, 80 bins, utterance CMN, `feats` [B,T,80] -> `embs`. */
  wespeaker: { fbank: "wespeaker", layout: "BTF", inputName: "feats", outputName: "embs" },
  /** 3D-Speaker (CAM++, ERes2Net): floats in [-1,1], povey, 80 bins, utterance CMN, [B,T,80]. */
  "3dspeaker": { fbank: "3dspeaker", layout: "BTF", inputName: "", outputName: "" },
  /** What sherpa-onnx's extractor feeds WeSpeaker models (kaldi-native-fbank defaults), [B,T,80]. */
  "sherpa-onnx": { fbank: "sherpa-onnx", layout: "BTF", inputName: "", outputName: "" },
  /**
   * NVIDIA NeMo speaker models (TitaNet, SpeakerNet, NeMo ECAPA) as NeMo exports them: NeMo's
   * FilterbankFeatures log-mel (hann, n_fft 512, slaney mel, per_feature normalisation, frames padded
   * to 16), `audio_signal` [B,80,T] + `length` (int64, valid frames) -> `logits`, `embs`.
   */
  nemo: { fbank: null, layout: "BFT", inputName: "audio_signal", outputName: "embs" },
} as const satisfies Record<
  string,
  { fbank: keyof typeof FBANK_PRESETS | null; layout: Layout; inputName: string; outputName: string }
>;

/** A front-end preset name. */
export type FrontEndPreset = keyof typeof FRONTEND_PRESETS;
/** Feature tensor layout: [B, T, F] or [B, F, T]. */
export type Layout = "BTF" | "BFT";

/** The fully resolved front end one model runs with (recorded in info() and in cache keys). */
export interface ResolvedFrontEnd {
  readonly preset: FrontEndPreset;
  /** How the preset was chosen: "option", "metadata:embedkit.frontend", "metadata:framework", "default". */
  readonly presetFrom: string;
  /** Kaldi fbank options (null for the NeMo front end). */
  readonly fbank: FbankOptions | null;
  /** NeMo mel options (only for the NeMo front end). */
  readonly nemo: NemoMelOptions | null;
  readonly layout: Layout;
  readonly inputName: string;
  readonly outputName: string;
  /** int64 [B] input that takes the number of valid frames ('' = the model has none). */
  readonly lengthName: string;
  /** Sample rate the features need. */
  readonly sampleRate: number;
  /** Feature frames per second. */
  readonly frameRate: number;
  /** Feature dimension. */
  readonly featDim: number;
}

/** What the user may force; "auto"/"" = decide from the model. */
export interface FrontEndRequest {
  readonly frontend: string;
  readonly layout: string;
  readonly inputName: string;
  readonly outputName: string;
}

const FRAMEWORK_TO_PRESET: Record<string, FrontEndPreset> = {
  wespeaker: "wespeaker",
  "3d-speaker": "3dspeaker",
  nemo: "nemo",
};

const INT64 = 7;

/** NeMo's export signature: EncDecSpeakerLabelModel.export() names its inputs audio_signal and length. */
function looksLikeNemo(h: ModelHeader): boolean {
  return h.inputs.some((i) => i.name === "audio_signal") && h.inputs.some((i) => i.name === "length");
}

/** Resolves the front end of a model; errors name the model and say which option fixes it. */
export function resolveFrontEnd(model: string, h: ModelHeader, req: FrontEndRequest): ResolvedFrontEnd {
  let preset: FrontEndPreset;
  let presetFrom: string;
  if (req.frontend !== "auto") {
    if (!(req.frontend in FRONTEND_PRESETS)) {
      throw new ConfigError(
        "onnx-speaker",
        `frontend '${req.frontend}' unknown; use auto, ${Object.keys(FRONTEND_PRESETS).join(", ")}`,
      );
    }
    [preset, presetFrom] = [req.frontend as FrontEndPreset, "option"];
  } else if (h.metadata["embedkit.frontend"] in FRONTEND_PRESETS) {
    [preset, presetFrom] = [h.metadata["embedkit.frontend"] as FrontEndPreset, "metadata:embedkit.frontend"];
  } else if (h.metadata.framework) {
    const p = FRAMEWORK_TO_PRESET[h.metadata.framework];
    if (!p) {
      throw new ConfigError(
        "onnx-speaker",
        `${model}: metadata framework '${h.metadata.framework}' needs a front end embedkit does not implement; ` +
          `supported: ${Object.keys(FRAMEWORK_TO_PRESET).join(", ")} (or force one with frontend=...)`,
      );
    }
    [preset, presetFrom] = [p, "metadata:framework"];
  } else if (looksLikeNemo(h)) {
    [preset, presetFrom] = ["nemo", "signature:audio_signal+length"];
  } else {
    [preset, presetFrom] = ["wespeaker", "default"];
  }
  const p = FRONTEND_PRESETS[preset];
  if (p.fbank === null) return resolveNemo(model, h, req, presetFrom);
  const fbank = { ...FBANK_PRESETS[p.fbank] };
  // sherpa-onnx's conventions (speaker-embedding-extractor-general-impl.h): normalize_samples=1 means
  // the model takes [-1, 1] floats, 0 means x32768; the mean is subtracted only when
  // feature_normalize_type is "global-mean".
  // sherpa-onnx and WeSpeaker exports record the rate the model was trained at (sherpa-onnx computes
  // its fbank at metadata sample_rate); an 8 kHz model must not get 16 kHz features.
  if (h.metadata.sample_rate !== undefined && h.metadata.sample_rate !== "") {
    const sr = Number(h.metadata.sample_rate);
    if (!(Number.isInteger(sr) && sr > 0)) {
      throw new ConfigError(
        "onnx-speaker",
        `${model}: metadata sample_rate '${h.metadata.sample_rate}' is not a rate in Hz; fix the model's metadata`,
      );
    }
    fbank.sampleRate = sr;
  }
  if (preset === "sherpa-onnx") {
    if (h.metadata.normalize_samples) fbank.inputScale = h.metadata.normalize_samples === "1" ? 1 : 32768;
    fbank.cmn = h.metadata.feature_normalize_type === "global-mean" ? "utterance" : "none";
  }

  const floatInputs = h.inputs.filter((i) => i.elemType === 1 || i.elemType === 0);
  const inputName = req.inputName ||
    p.inputName && h.inputs.some((i) => i.name === p.inputName) && p.inputName ||
    (floatInputs.length === 1 ? floatInputs[0].name : "");
  requireTensor(model, h.inputs, inputName, "input takes features", "inputName");
  const outputName = req.outputName ||
    p.outputName && h.outputs.some((o) => o.name === p.outputName) && p.outputName ||
    (h.outputs.length === 1 ? h.outputs[0].name : "");
  requireTensor(model, h.outputs, outputName, "output is the embedding", "outputName");
  const dims = h.inputs.find((i) => i.name === inputName)!.dims;
  let layout: Layout;
  if (req.layout === "BTF" || req.layout === "BFT") layout = req.layout;
  else if (dims[2] === fbank.numMelBins) layout = "BTF";
  else if (dims[1] === fbank.numMelBins) layout = "BFT";
  else if (typeof dims[2] === "number" && dims.length === 3) {
    fbank.numMelBins = dims[2];
    layout = "BTF";
  } else layout = p.layout;
  return {
    preset,
    presetFrom,
    fbank,
    nemo: null,
    layout,
    inputName,
    outputName,
    lengthName: "",
    sampleRate: fbank.sampleRate,
    frameRate: 1000 / fbank.frameShift,
    featDim: fbank.numMelBins,
  };
}

/**
 * The NeMo front end: mel options from sherpa-onnx's NeMo metadata keys when present (else TitaNet's
 * preprocessor config), features on `audio_signal` (or the only float input), valid-frame counts on
 * `length` (or the only int64 input), embedding from `embs` (or, as sherpa-onnx does, the second of
 * two outputs: NeMo exports [logits, embs]).
 */
function resolveNemo(
  model: string,
  h: ModelHeader,
  req: FrontEndRequest,
  presetFrom: string,
): ResolvedFrontEnd {
  let nemo: NemoMelOptions;
  try {
    nemo = h.metadata.framework === "nemo" ? nemoMelFromMetadata(h.metadata) : { ...NEMO_TITANET };
  } catch (e) {
    throw new ConfigError("onnx-speaker", `${model}: NeMo metadata unusable: ${(e as Error).message}`);
  }
  const floatInputs = h.inputs.filter((i) => i.elemType === 1 || i.elemType === 0);
  const intInputs = h.inputs.filter((i) => i.elemType === INT64);
  const inputName = req.inputName ||
    (h.inputs.some((i) => i.name === "audio_signal") ? "audio_signal" : "") ||
    (floatInputs.length === 1 ? floatInputs[0].name : "");
  requireTensor(model, h.inputs, inputName, "input takes NeMo features", "inputName");
  const lengthName = h.inputs.some((i) => i.name === "length")
    ? "length"
    : intInputs.length === 1
    ? intInputs[0].name
    : "";
  const outputName = req.outputName ||
    (h.outputs.some((o) => o.name === "embs") ? "embs" : "") ||
    (h.outputs.length === 1 ? h.outputs[0].name : h.outputs.length === 2 ? h.outputs[1].name : "");
  requireTensor(model, h.outputs, outputName, "output is the embedding", "outputName");
  const dims = h.inputs.find((i) => i.name === inputName)!.dims;
  let layout: Layout = "BFT";
  if (req.layout === "BTF" || req.layout === "BFT") layout = req.layout;
  const featAxis = layout === "BFT" ? 1 : 2;
  if (typeof dims[featAxis] === "number" && dims[featAxis] !== nemo.features) {
    nemo = { ...nemo, features: dims[featAxis] as number };
  }
  return {
    preset: "nemo",
    presetFrom,
    fbank: null,
    nemo,
    layout,
    inputName,
    outputName,
    lengthName,
    sampleRate: nemo.sampleRate,
    frameRate: nemo.sampleRate / nemoSizes(nemo).hop,
    featDim: nemo.features,
  };
}

/** Throws unless `name` is one of `tensors`: the error lists them and names the option that picks one. */
function requireTensor(
  model: string,
  tensors: readonly { name: string }[],
  name: string,
  what: string,
  option: string,
): void {
  if (!name || !tensors.some((t) => t.name === name)) {
    throw new ConfigError(
      "onnx-speaker",
      `${model}: cannot tell which ${what} (${what.split(" ")[0]}s: ${
        tensors.map((t) => t.name).join(", ")
      }); set ${option}`,
    );
  }
}
