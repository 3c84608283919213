/**
 * Options of NeMo's mel front end (the `preprocessor` section of a NeMo speaker model config, camel-cased),
 * the TitaNet preset, their validation, the window/hop/FFT sizes and seq_len NeMo derives from them, and
 * the options read from sherpa-onnx's NeMo export metadata. The computation is in core/features/nemo_mel.ts.
 * @module
 */
import { ConfigError } from "../errors.ts";
import { check } from "../config.ts";

/** Options of NeMo's FilterbankFeatures (names as in NeMo's preprocessor config, camel-cased). */
export interface NemoMelOptions {
  /** Hz. */
  readonly sampleRate: number;
  /** Window length in seconds (NeMo: n_window_size = int(window_size * sample_rate)). */
  readonly windowSize: number;
  /** Hop in seconds (n_window_stride = int(window_stride * sample_rate)). */
  readonly windowStride: number;
  /** torch window (periodic=False), zero-padded to nFft and centred, as torch.stft does. */
  readonly window: "hann" | "hamming" | "blackman" | "bartlett" | "ones";
  /** FFT size; 0 = next power of two >= the window (NeMo's default). */
  readonly nFft: number;
  /** Mel bins (NeMo: `features`). */
  readonly features: number;
  /** Lowest mel edge in Hz (NeMo: lowfreq). */
  readonly lowfreq: number;
  /** Highest mel edge in Hz; 0 = sampleRate / 2 (NeMo: highfreq or sr/2). */
  readonly highfreq: number;
  /** Preemphasis coefficient; 0 turns it off (NeMo: None). */
  readonly preemph: number;
  /** White-noise std added to the samples. NeMo adds it only in training mode: keep 0 for inference. */
  readonly dither: number;
  /** Seed of the dither noise (recorded so runs repeat). */
  readonly ditherSeed: number;
  /** Exponent on the magnitude spectrum (2 = power). */
  readonly magPower: number;
  /** Filterbank weight normalisation of librosa.filters.mel: "slaney" (area) or "none". */
  readonly melNorm: "slaney" | "none";
  /** Take the log. */
  readonly log: boolean;
  /** ln(x + v) ("add") or ln(max(x, v)) ("clamp"). */
  readonly logZeroGuardType: "add" | "clamp";
  /** The v above (NeMo default 2^-24). */
  readonly logZeroGuardValue: number;
  /** "per_feature" (TitaNet), "all_features" or "none". */
  readonly normalize: "per_feature" | "all_features" | "none";
  /** Pad the frame axis to a multiple of this (0 = no padding). */
  readonly padTo: number;
  /** Value of masked and padded frames. */
  readonly padValue: number;
  /** torch.stft centre padding: "constant" (NeMo >= 2.0) or "reflect" (torch's default, older NeMo). */
  readonly stftPadMode: "constant" | "reflect";
  /** "floor": seq_len = floor(L/hop) (NeMo >= 2.0); "legacy": floor(L/hop) + 1 (older NeMo). */
  readonly seqLenRule: "floor" | "legacy";
}

/** NeMo's CONSTANT, added to the std in per_feature / all_features normalisation. */
export const NEMO_STD_CONSTANT = 1e-5;

/** TitaNet (small and large), SpeakerNet and NeMo ECAPA preprocessor settings (inference: no dither). */
export const NEMO_TITANET: NemoMelOptions = {
  sampleRate: 16000,
  windowSize: 0.025,
  windowStride: 0.01,
  window: "hann",
  nFft: 512,
  features: 80,
  lowfreq: 0,
  highfreq: 0,
  preemph: 0.97,
  dither: 0,
  ditherSeed: 0,
  magPower: 2,
  melNorm: "slaney",
  log: true,
  logZeroGuardType: "add",
  logZeroGuardValue: 2 ** -24,
  normalize: "per_feature",
  padTo: 16,
  padValue: 0,
  stftPadMode: "constant",
  seqLenRule: "floor",
};

const C = "nemo-mel";

/** Window, hop and FFT sizes in samples, as NeMo derives them. */
export function nemoSizes(o: NemoMelOptions): { win: number; hop: number; nFft: number } {
  // Python's int() truncates; the product is the same IEEE double in JS.
  const win = Math.trunc(o.windowSize * o.sampleRate);
  const hop = Math.trunc(o.windowStride * o.sampleRate);
  const nFft = o.nFft || 2 ** Math.ceil(Math.log2(win));
  return { win, hop, nFft };
}

/** Checks options; errors name the option and the fix. */
export function validateNemoMel(o: NemoMelOptions): void {
  check.positive(C, "sampleRate", o.sampleRate);
  check.positive(C, "windowSize", o.windowSize);
  check.positive(C, "windowStride", o.windowStride);
  check.oneOf(C, "window", o.window, ["hann", "hamming", "blackman", "bartlett", "ones"]);
  check.integer(C, "nFft", o.nFft, 0, 1 << 16);
  check.integer(C, "features", o.features, 1, 1024);
  check.nonNegative(C, "lowfreq", o.lowfreq);
  check.nonNegative(C, "highfreq", o.highfreq);
  check.range(C, "preemph", o.preemph, 0, 1);
  check.nonNegative(C, "dither", o.dither);
  check.integer(C, "ditherSeed", o.ditherSeed, 0, 2 ** 32 - 1);
  check.positive(C, "magPower", o.magPower);
  check.oneOf(C, "melNorm", o.melNorm, ["slaney", "none"]);
  check.oneOf(C, "log", o.log, [true, false]); // a string "false" would be truthy
  check.oneOf(C, "logZeroGuardType", o.logZeroGuardType, ["add", "clamp"]);
  check.positive(C, "logZeroGuardValue", o.logZeroGuardValue);
  check.oneOf(C, "normalize", o.normalize, ["per_feature", "all_features", "none"]);
  check.integer(C, "padTo", o.padTo, 0, 4096);
  check.range(C, "padValue", o.padValue, -Infinity, Infinity); // NaN would reach the model
  check.oneOf(C, "stftPadMode", o.stftPadMode, ["constant", "reflect"]);
  check.oneOf(C, "seqLenRule", o.seqLenRule, ["floor", "legacy"]);
  const { win, hop, nFft } = nemoSizes(o);
  if (win < 2 || hop < 1) {
    throw new ConfigError(C, `windowSize/windowStride give ${win}/${hop} samples; need >= 2 and >= 1`);
  }
  if ((nFft & (nFft - 1)) !== 0) throw new ConfigError(C, `nFft must be a power of two, got ${nFft}`);
  if (win > nFft) throw new ConfigError(C, `the window (${win} samples) is longer than nFft (${nFft})`);
  const hi = o.highfreq || o.sampleRate / 2;
  if (!(o.lowfreq < hi) || hi > o.sampleRate / 2) {
    throw new ConfigError(C, `need lowfreq < highfreq <= sampleRate/2, got ${o.lowfreq}..${hi}`);
  }
}

/** seq_len for `numSamples` input samples (NeMo's get_seq_len; 0 for empty input). */
export function nemoSeqLen(numSamples: number, o: NemoMelOptions): number {
  if (numSamples <= 0) return 0;
  const { hop, nFft } = nemoSizes(o);
  const base = Math.floor((numSamples + 2 * Math.floor(nFft / 2) - nFft) / hop);
  return o.seqLenRule === "legacy" ? base + 1 : base;
}

/** Frames torch.stft(center=True) produces for `numSamples` samples. */
export function nemoStftFrames(numSamples: number, o: NemoMelOptions): number {
  const { hop, nFft } = nemoSizes(o);
  return 1 + Math.floor((numSamples + 2 * Math.floor(nFft / 2) - nFft) / hop);
}

/**
 * NeMo front-end options from the metadata sherpa-onnx's NeMo exporter writes (framework=nemo,
 * sample_rate, feat_dim, window_size_ms, window_stride_ms, window_type, feature_normalize_type).
 * n_fft is not in the metadata: that exporter asserts n_fft == 512, so 512 it is.
 */
export function nemoMelFromMetadata(meta: Record<string, string>): NemoMelOptions {
  const num = (k: string, d: number) => (meta[k] !== undefined && meta[k] !== "" ? Number(meta[k]) : d);
  const norm = meta.feature_normalize_type ?? "per_feature";
  const win = meta.window_type ?? "hann";
  const o: NemoMelOptions = {
    ...NEMO_TITANET,
    sampleRate: num("sample_rate", NEMO_TITANET.sampleRate),
    features: num("feat_dim", NEMO_TITANET.features),
    windowSize: num("window_size_ms", NEMO_TITANET.windowSize * 1000) / 1000,
    windowStride: num("window_stride_ms", NEMO_TITANET.windowStride * 1000) / 1000,
    window: (win === "none" ? "ones" : win) as NemoMelOptions["window"],
    normalize: (norm === "" ? "none" : norm) as NemoMelOptions["normalize"],
  };
  validateNemoMel(o);
  return o;
}
