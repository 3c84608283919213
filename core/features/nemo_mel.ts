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
import { Rng } from "../random.ts";
import {
  NEMO_STD_CONSTANT,
  NEMO_TITANET,
  type NemoMelOptions,
  nemoSeqLen,
  nemoSizes,
  nemoStftFrames,
  validateNemoMel,
} from "./nemo_mel_options.ts";
import { slaneyMelFilterbank, torchWindow } from "./slaney_mel.ts";

export * from "./nemo_mel_options.ts";
export * from "./slaney_mel.ts";

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
