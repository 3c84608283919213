/**
 * NeMo's mel-spectrogram front end (`AudioToMelSpectrogramPreprocessor` -> `FilterbankFeatures` in
 * nemo/collections/asr/parts/preprocessing/features.py), which NeMo speaker models (TitaNet,
 * SpeakerNet, NeMo's ECAPA) are trained on. It differs from Kaldi fbank in every stage, so Kaldi
 * features fed to a NeMo model give wrong embeddings:
 *
 * 1. dither (training only in NeMo; off by default here, seeded when on) then preemphasis
 *    y[0] = x[0], y[n] = x[n] - 0.97 x[n-1] over the whole utterance (no per-frame DC removal);
 * 2. torch.stft(center=True, pad_mode="constant"): n_fft/2 zeros on both sides, frames every hop,
 *    1 + floor(L / hop) frames; window = torch.hann_window(win, periodic=False) centred in n_fft;
 * 3. |X|^mag_power (2: power), librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, norm="slaney",
 *    htk=False) (float32 weights, as librosa builds them), ln(x + 2^-24);
 * 4. `per_feature` normalisation over the first seq_len frames: mean, unbiased std (N-1), std += 1e-5;
 * 5. frames from seq_len on are set to pad_value, and the frame axis is zero-padded to a multiple of
 *    pad_to (16).
 *
 * seq_len (the `length` input of a NeMo ONNX export) follows NeMo's get_seq_len:
 * floor((L + 2 * (n_fft // 2) - n_fft) / hop); NeMo before 2.0 added 1 (`seqLenRule: "legacy"`), and
 * used torch.stft's reflect padding (`stftPadMode: "reflect"`). Computed in float64 (NeMo computes in
 * float32; the two agree to ~1e-5 on normalised features).
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { ConfigError } from "../errors.ts";
import { check } from "../config.ts";
import { Rng } from "../random.ts";

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

/** torch's symmetric (periodic=False) window of length n. */
export function torchWindow(kind: NemoMelOptions["window"], n: number): Float64Array {
  const w = new Float64Array(n);
  const d = n - 1;
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / d;
    switch (kind) {
      case "hann":
        w[i] = 0.5 - 0.5 * Math.cos(a);
        break;
      case "hamming":
        w[i] = 0.54 - 0.46 * Math.cos(a);
        break;
      case "blackman":
        w[i] = 0.42 - 0.5 * Math.cos(a) + 0.08 * Math.cos(2 * a);
        break;
      case "bartlett":
        w[i] = 1 - Math.abs((2 * i) / d - 1);
        break;
      case "ones":
        w[i] = 1;
        break;
    }
  }
  return w;
}

/** Slaney's mel scale (librosa htk=False): linear below 1 kHz, logarithmic above. */
export function hzToMelSlaney(hz: number): number {
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logstep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logstep : hz / fSp;
}

/** Inverse of {@link hzToMelSlaney}. */
export function melToHzSlaney(mel: number): number {
  const fSp = 200 / 3, minLogHz = 1000, minLogMel = minLogHz / fSp, logstep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logstep * (mel - minLogMel)) : fSp * mel;
}

/**
 * librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm) as [nMels][nFft/2+1], rounded to
 * float32 the way librosa stores it (triangle, then the slaney factor applied to the float32 weights).
 */
export function slaneyMelFilterbank(
  sr: number,
  nFft: number,
  nMels: number,
  fmin: number,
  fmax: number,
  norm: "slaney" | "none" = "slaney",
): Float32Array[] {
  const bins = Math.floor(nFft / 2) + 1;
  const minMel = hzToMelSlaney(fmin), maxMel = hzToMelSlaney(fmax);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) {
    // np.linspace: start + i * step, the last point exactly `stop`.
    const m = i === nMels + 1 ? maxMel : minMel + (i * (maxMel - minMel)) / (nMels + 1);
    melF[i] = melToHzSlaney(m);
  }
  const out: Float32Array[] = [];
  for (let i = 0; i < nMels; i++) {
    const w = new Float32Array(bins);
    const lo = melF[i], mid = melF[i + 1], hi = melF[i + 2];
    const enorm = norm === "slaney" ? 2 / (hi - lo) : 1;
    for (let k = 0; k < bins; k++) {
      const f = (k * sr) / nFft;
      const lower = (f - lo) / (mid - lo);
      const upper = (hi - f) / (hi - mid);
      const v = Math.fround(Math.max(0, Math.min(lower, upper)));
      w[k] = Math.fround(v * enorm);
    }
    out.push(w);
  }
  return out;
}

/** The result of {@link nemoMel}: what NeMo's preprocessor returns for one utterance. */
export interface NemoMelResult {
  /** [frames padded to padTo] x [features], row-major (transpose for NeMo's [B, F, T] layout). */
  readonly feats: Matrix;
  /** Valid frames (the `length` input of a NeMo ONNX export). */
  readonly seqLen: number;
  /** Frames torch.stft produced (seqLen + 1 under the current rule; the extra one is masked). */
  readonly stftFrames: number;
  /** Per-feature mean and std (std includes +1e-5) used by per_feature normalisation; null otherwise. */
  readonly mean: Float64Array | null;
  readonly std: Float64Array | null;
}

/** In-place iterative radix-2 complex FFT (n a power of two). */
function fft(re: Float64Array, im: Float64Array, cos: Float64Array, sin: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1, step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step], wi = -sin[k * step];
        const a = i + k, b = a + half;
        const tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/** Cached per-configuration tables (window in nFft, mel rows with their nonzero span). */
interface Tables {
  readonly win: Float64Array;
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly mel: { start: number; w: Float32Array }[];
}
const tableCache = new Map<string, Tables>();

function tables(o: NemoMelOptions): Tables {
  const key = JSON.stringify([
    o.sampleRate,
    o.windowSize,
    o.window,
    o.nFft,
    o.features,
    o.lowfreq,
    o.highfreq,
    o.melNorm,
  ]);
  const hit = tableCache.get(key);
  if (hit) return hit;
  const { win, nFft } = nemoSizes(o);
  const w = torchWindow(o.window, win);
  const padded = new Float64Array(nFft);
  const left = Math.floor((nFft - win) / 2); // torch.stft centres a shorter window
  padded.set(w, left);
  const cos = new Float64Array(nFft / 2), sin = new Float64Array(nFft / 2);
  for (let k = 0; k < nFft / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / nFft);
    sin[k] = Math.sin((2 * Math.PI * k) / nFft);
  }
  const fb = slaneyMelFilterbank(
    o.sampleRate,
    nFft,
    o.features,
    o.lowfreq,
    o.highfreq || o.sampleRate / 2,
    o.melNorm,
  );
  const mel = fb.map((row) => {
    let s = 0, e = row.length;
    while (s < e && row[s] === 0) s++;
    while (e > s && row[e - 1] === 0) e--;
    return { start: s, w: row.slice(s, e) };
  });
  const t = { win: padded, cos, sin, mel };
  tableCache.set(key, t);
  return t;
}

/**
 * NeMo log-mel features of one utterance (mono samples in [-1, 1], at `o.sampleRate`), exactly as
 * FilterbankFeatures.forward computes them in eval mode (plus seeded dither when `o.dither` > 0).
 */
export function nemoMel(samples: Float32Array, o: NemoMelOptions = NEMO_TITANET): NemoMelResult {
  validateNemoMel(o);
  if (!(samples instanceof Float32Array)) {
    throw new TypeError("nemo-mel: samples must be a Float32Array (mono)");
  }
  const L = samples.length;
  const { hop, nFft } = nemoSizes(o);
  const seqLen = nemoSeqLen(L, o);
  const minSeq = o.normalize === "none" ? 1 : 2;
  if (seqLen < minSeq) {
    throw new RangeError(
      `nemo-mel: ${L} samples give ${seqLen} valid frame(s); ${o.normalize} normalisation needs >= ${minSeq} ` +
        `(at least ${minSeq * hop} samples)`,
    );
  }
  const half = Math.floor(nFft / 2);
  if (o.stftPadMode === "reflect" && L <= half) {
    throw new RangeError(`nemo-mel: reflect padding needs more than ${half} samples, got ${L}`);
  }
  // 1. dither + preemphasis, into the centre-padded signal.
  const x = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    if (!Number.isFinite(samples[i])) throw new RangeError(`nemo-mel: sample ${i} is ${samples[i]}`);
    x[i] = samples[i];
  }
  if (o.dither > 0) {
    const rng = new Rng(o.ditherSeed);
    for (let i = 0; i < L; i++) x[i] += o.dither * rng.normal();
  }
  const xp = new Float64Array(L + 2 * half);
  for (let i = 0; i < L; i++) xp[half + i] = i === 0 || !o.preemph ? x[i] : x[i] - o.preemph * x[i - 1];
  if (o.stftPadMode === "reflect") {
    for (let k = 1; k <= half; k++) {
      xp[half - k] = xp[half + k];
      xp[half + L - 1 + k] = xp[half + L - 1 - k];
    }
  }
  // 2-3. STFT, |X|^p, mel, log.
  const T = nemoStftFrames(L, o);
  const F = o.features;
  const t = tables(o);
  const bins = half + 1;
  const logmel = new Float64Array(T * F);
  const re = new Float64Array(nFft), im = new Float64Array(nFft), pow = new Float64Array(bins);
  for (let f = 0; f < T; f++) {
    const off = f * hop;
    for (let i = 0; i < nFft; i++) re[i] = xp[off + i] * t.win[i];
    im.fill(0);
    fft(re, im, t.cos, t.sin);
    for (let k = 0; k < bins; k++) {
      const p2 = re[k] * re[k] + im[k] * im[k];
      pow[k] = o.magPower === 2 ? p2 : Math.pow(Math.sqrt(p2), o.magPower);
    }
    for (let m = 0; m < F; m++) {
      const { start, w } = t.mel[m];
      let s = 0;
      for (let k = 0; k < w.length; k++) s += w[k] * pow[start + k];
      if (o.log) {
        s = o.logZeroGuardType === "add"
          ? Math.log(s + o.logZeroGuardValue)
          : Math.log(Math.max(s, o.logZeroGuardValue));
      }
      logmel[f * F + m] = s;
    }
  }
  // 4. normalisation over the valid frames.
  let mean: Float64Array | null = null, std: Float64Array | null = null;
  if (o.normalize === "per_feature") {
    mean = new Float64Array(F);
    std = new Float64Array(F);
    for (let f = 0; f < seqLen; f++) for (let m = 0; m < F; m++) mean[m] += logmel[f * F + m];
    for (let m = 0; m < F; m++) mean[m] /= seqLen;
    for (let f = 0; f < seqLen; f++) {
      for (let m = 0; m < F; m++) std[m] += (logmel[f * F + m] - mean[m]) ** 2;
    }
    for (let m = 0; m < F; m++) std[m] = Math.sqrt(std[m] / (seqLen - 1)) + NEMO_STD_CONSTANT;
  } else if (o.normalize === "all_features") {
    const n = seqLen * F;
    let mu = 0, v = 0;
    for (let i = 0; i < n; i++) mu += logmel[i];
    mu /= n;
    for (let i = 0; i < n; i++) v += (logmel[i] - mu) ** 2;
    mean = new Float64Array(F).fill(mu);
    std = new Float64Array(F).fill(Math.sqrt(v / (n - 1)) + NEMO_STD_CONSTANT);
  }
  // 5. mask frames >= seqLen, pad to a multiple of padTo.
  const rows = o.padTo > 0 ? Math.ceil(T / o.padTo) * o.padTo : T;
  const data = new Float32Array(rows * F).fill(o.padValue);
  const valid = Math.min(seqLen, T);
  for (let f = 0; f < valid; f++) {
    for (let m = 0; m < F; m++) {
      const v = logmel[f * F + m];
      data[f * F + m] = mean ? (v - mean[m]) / std![m] : v;
    }
  }
  return { feats: { rows, cols: F, data }, seqLen: valid, stftFrames: T, mean, std };
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
