/**
 * Fbank options (every Kaldi `compute-fbank-feats` option, camelCased) and the named presets that match
 * what each toolkit feeds its models.
 * @module
 */
import { check } from "../config.ts";
import { ConfigError } from "../errors.ts";

/** Kaldi window functions (`--window-type`). */
export type WindowType = "povey" | "hamming" | "hanning" | "rectangular" | "blackman" | "sine";

/**
 * Arithmetic of the FFT (the time-domain steps are float32 in both, in Kaldi's order, as in every toolkit):
 * - "kaldi-float32": Kaldi's split-radix FFT and real-FFT twiddle recursion in float32, rounding for
 *   rounding (compute-fbank-feats itself, to 1.1e-4; Kaldi is 0.018-0.031 from a float64 fbank).
 * - "float64": float64 FFT, power spectrum, mel sums and log (core/features/fft64.ts). What is left is the
 *   float32 time-domain rounding: on the golden speech 0.34-0.81x torchaudio's distance from float64.
 */
export type FftPrecision = "kaldi-float32" | "float64";

/** Cepstral mean normalisation applied after fbank: none, per utterance, or Kaldi sliding window. */
export type CmnMode = "none" | "utterance" | "sliding";

/** All fbank options. Units: Hz, milliseconds. Kaldi's defaults unless said otherwise. */
export interface FbankOptions {
  /** `--sample-frequency` (Hz). The input must already be at this rate (readAudio resamples). */
  sampleRate: number;
  /** `--frame-length` in ms (25). */
  frameLength: number;
  /** `--frame-shift` in ms (10). */
  frameShift: number;
  /** `--dither` (1.0 in Kaldi): Gaussian noise of this std is added to every sample; 0 turns it off. */
  dither: number;
  /** Seed of the dither noise (Kaldi uses an unseeded RNG; we record the seed instead). */
  ditherSeed: number;
  /** `--preemphasis-coefficient` (0.97). */
  preemphasisCoefficient: number;
  /** `--remove-dc-offset` (true). */
  removeDcOffset: boolean;
  /** `--window-type` (povey). */
  windowType: WindowType;
  /** `--blackman-coeff` (0.42). */
  blackmanCoeff: number;
  /** `--round-to-power-of-two` (true): FFT size is the next power of two of the window length. */
  roundToPowerOfTwo: boolean;
  /** `--snip-edges` (true): only frames that fit completely; false = reflect at the edges, frames centred. */
  snipEdges: boolean;
  /** `--low-freq` (20 Hz). */
  lowFreq: number;
  /** `--high-freq` (0): <= 0 means an offset from Nyquist. */
  highFreq: number;
  /** `--num-mel-bins` (23). */
  numMelBins: number;
  /** `--use-energy` (false): add log energy as an extra column (first, or last with htkCompat). */
  useEnergy: boolean;
  /** `--raw-energy` (true): energy before preemphasis and windowing. */
  rawEnergy: boolean;
  /** `--energy-floor` (0): floor on the energy (absolute, not log); 0 = none. */
  energyFloor: number;
  /** `--use-log-fbank` (true). */
  useLog: boolean;
  /** `--use-power` (true): power spectrum; false = magnitude. */
  usePower: boolean;
  /** `--htk-compat` (false): energy last, and HTK's first-bin quirk. */
  htkCompat: boolean;
  /**
   * FFT arithmetic (not a Kaldi option): "kaldi-float32" by default and in the kaldi preset, "float64" in
   * the wespeaker, 3dspeaker and sherpa-onnx presets (torchaudio / kaldi-native-fbank). See FftPrecision.
   */
  fft: FftPrecision;
  /** `--vtln-warp` (1.0). Only 1.0 (off) is supported. */
  vtlnWarp: number;
  /**
   * Multiplies the float samples in [-1, 1] first. Kaldi reads 16-bit WAV as raw integers, so Kaldi
   * itself equals 32768; 3D-Speaker feeds [-1, 1] floats (1).
   */
  inputScale: number;
  /** Mean normalisation of the output (not a Kaldi fbank option: Kaldi does it in apply-cmvn). */
  cmn: CmnMode;
  /** Sliding CMN window in frames (Kaldi apply-cmvn-sliding --cmn-window, 600). */
  cmnWindow: number;
  /** Sliding CMN centred window (Kaldi --center, false). */
  cmnCenter: boolean;
}

/** Kaldi's defaults (x32768 because Kaldi reads PCM as integers; dither 1.0 seeded with 0). */
export const KALDI_DEFAULTS: FbankOptions = Object.freeze({
  sampleRate: 16000,
  frameLength: 25,
  frameShift: 10,
  dither: 1.0,
  ditherSeed: 0,
  preemphasisCoefficient: 0.97,
  removeDcOffset: true,
  windowType: "povey",
  blackmanCoeff: 0.42,
  roundToPowerOfTwo: true,
  snipEdges: true,
  lowFreq: 20,
  highFreq: 0,
  numMelBins: 23,
  useEnergy: false,
  rawEnergy: true,
  energyFloor: 0,
  useLog: true,
  usePower: true,
  htkCompat: false,
  fft: "kaldi-float32",
  vtlnWarp: 1.0,
  inputScale: 32768,
  cmn: "none",
  cmnWindow: 600,
  cmnCenter: false,
}) as FbankOptions;

/**
 * Presets: what each toolkit feeds its speaker models.
 * - kaldi: compute-fbank-feats defaults, with Kaldi's own float32 FFT arithmetic (fft "kaldi-float32").
 * - wespeaker: wespeaker/bin/extract (x32768, hamming, 80 bins, dither 0, per-utterance CMN).
 * - 3dspeaker: speakerlab FBank (floats in [-1,1], povey, 80 bins, dither 0, per-utterance CMN).
 * - sherpa-onnx: its speaker-embedding extractor for WeSpeaker models (kaldi-native-fbank: povey,
 *   80 bins, dither 0, snip_edges false, high_freq -400, samples not normalised = x32768, global-mean CMN).
 *
 * FFT arithmetic: WeSpeaker and 3D-Speaker models were trained on torchaudio.compliance.kaldi.fbank, which
 * runs a float32 pocketfft with exact twiddles, not Kaldi's split radix; its rounding is noise around the
 * float64 result, so they get "float64" (with Kaldi's float32 FFT the 3dspeaker preset was 4.5x further
 * from a float64 fbank than torchaudio on LibriSpeech, 5.3e-3 vs 1.2e-3; with float64 it is 0.54x).
 * sherpa-onnx computes features with kaldi-native-fbank (knf). Up to knf v1.21.1 (sherpa-onnx until
 * 2025-05) rfft.cc copied each float frame to double and ran Ooura's rdft (fftsg.cc) in double: the FFT
 * arithmetic of "float64". From v1.21.2 ("Use kissfft", 2025-05-28; in sherpa-onnx since 2025-05-29, which
 * now pins v1.22.3; read here up to v1.21.5) it runs KissFFT in float32 with twiddles computed in double,
 * a float32 FFT like torchaudio's, whose rounding is noise around float64; of our two paths "float64" is
 * the nearer to it as well: against knf's own features (sherpa-onnx-node 1.13.8, every frame of a
 * LibriSpeech file, tests/fbank_test.ts) max 4.9e-3 / rms 3.8e-5 with "float64", 1.2e-2 / 1.3e-4 with
 * "kaldi-float32". Both knf versions keep power spectrum and mel sums in float (relative 6e-8).
 */
export const FBANK_PRESETS: Readonly<
  Record<"kaldi" | "wespeaker" | "3dspeaker" | "sherpa-onnx", FbankOptions>
> = Object.freeze({
  kaldi: KALDI_DEFAULTS,
  wespeaker: Object.freeze({
    ...KALDI_DEFAULTS,
    windowType: "hamming",
    numMelBins: 80,
    dither: 0,
    cmn: "utterance",
    fft: "float64",
  }) as FbankOptions,
  "3dspeaker": Object.freeze({
    ...KALDI_DEFAULTS,
    inputScale: 1,
    numMelBins: 80,
    dither: 0,
    cmn: "utterance",
    fft: "float64",
  }) as FbankOptions,
  "sherpa-onnx": Object.freeze({
    ...KALDI_DEFAULTS,
    numMelBins: 80,
    dither: 0,
    snipEdges: false,
    highFreq: -400,
    cmn: "utterance",
    fft: "float64",
  }) as FbankOptions,
});

const FFT_PRECISIONS: readonly FftPrecision[] = ["kaldi-float32", "float64"];
const WINDOWS: readonly WindowType[] = ["povey", "hamming", "hanning", "rectangular", "blackman", "sine"];

/** Merges over Kaldi defaults and validates; every error names the option and the allowed values. */
export function fbankOptions(user: Partial<FbankOptions> = {}): FbankOptions {
  const known = Object.keys(KALDI_DEFAULTS);
  for (const k of Object.keys(user)) {
    if (!known.includes(k)) {
      throw new ConfigError("fbank", `unknown option '${k}'; known options: ${known.join(", ")}`);
    }
  }
  const o = { ...KALDI_DEFAULTS } as FbankOptions;
  for (const [k, v] of Object.entries(user)) {
    if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  }
  validateFbankOptions(o);
  return o;
}

const BOOLEAN_OPTIONS = [
  "removeDcOffset",
  "roundToPowerOfTwo",
  "snipEdges",
  "useEnergy",
  "rawEnergy",
  "useLog",
  "usePower",
  "htkCompat",
  "cmnCenter",
] as const satisfies readonly (keyof FbankOptions)[];

/** Throws a ConfigError explaining the first invalid option. */
export function validateFbankOptions(o: FbankOptions): void {
  const c = "fbank";
  check.positive(c, "sampleRate", o.sampleRate);
  check.positive(c, "frameLength", o.frameLength);
  check.positive(c, "frameShift", o.frameShift);
  check.nonNegative(c, "dither", o.dither);
  check.integer(c, "ditherSeed", o.ditherSeed, 0, 2 ** 32 - 1);
  check.range(c, "preemphasisCoefficient", o.preemphasisCoefficient, 0, 1);
  check.oneOf(c, "windowType", o.windowType, WINDOWS);
  check.integer(c, "numMelBins", o.numMelBins, 3, 1024);
  check.nonNegative(c, "lowFreq", o.lowFreq);
  check.range(c, "highFreq", o.highFreq, -Infinity, Infinity); // NaN would pass the Nyquist test below
  check.range(c, "blackmanCoeff", o.blackmanCoeff, -Infinity, Infinity);
  check.nonNegative(c, "energyFloor", o.energyFloor);
  check.positive(c, "inputScale", o.inputScale);
  check.oneOf(c, "cmn", o.cmn, ["none", "utterance", "sliding"] as const);
  check.oneOf(c, "fft", o.fft, FFT_PRECISIONS);
  check.integer(c, "cmnWindow", o.cmnWindow, 1);
  // a string such as "false" would be truthy and silently flip the option
  for (const k of BOOLEAN_OPTIONS) check.oneOf(c, k, o[k], [true, false]);
  if (o.vtlnWarp !== 1) {
    throw new ConfigError(
      c,
      `'vtlnWarp' = ${o.vtlnWarp} is not supported; only 1.0 (VTLN off) is implemented`,
    );
  }
  const win = Math.round(o.sampleRate * o.frameLength / 1000);
  const shift = Math.round(o.sampleRate * o.frameShift / 1000);
  if (win < 2 || shift < 1) {
    throw new ConfigError(
      c,
      `frameLength/frameShift give ${win}/${shift} samples at ${o.sampleRate} Hz; too short`,
    );
  }
  const nyquist = o.sampleRate / 2;
  const high = o.highFreq > 0 ? o.highFreq : nyquist + o.highFreq;
  if (high > nyquist || high <= o.lowFreq) {
    throw new ConfigError(
      c,
      `need 0 <= lowFreq < highFreq <= Nyquist; got lowFreq=${o.lowFreq}, highFreq=${o.highFreq} (=${high} Hz), Nyquist=${nyquist}`,
    );
  }
}

/** Derived sizes Kaldi computes from the options. */
export function frameSizes(o: FbankOptions): { win: number; shift: number; fft: number } {
  const win = Math.round(o.sampleRate * o.frameLength / 1000);
  const shift = Math.round(o.sampleRate * o.frameShift / 1000);
  let fft = win;
  if (o.roundToPowerOfTwo) {
    fft = 1;
    while (fft < win) fft *= 2;
  }
  return { win, shift, fft };
}

/** Number of frames Kaldi emits for `n` samples (NumFrames in feature-window.cc). */
export function numFrames(n: number, o: FbankOptions): number {
  const { win, shift } = frameSizes(o);
  if (o.snipEdges) return n < win ? 0 : 1 + Math.floor((n - win) / shift);
  return Math.floor((n + Math.floor(shift / 2)) / shift);
}

/** First sample of frame `f` (may be negative without snip edges). */
export function firstSample(f: number, o: FbankOptions): number {
  const { win, shift } = frameSizes(o);
  if (o.snipEdges) return f * shift;
  return f * shift + Math.floor(shift / 2) - Math.floor(win / 2);
}
