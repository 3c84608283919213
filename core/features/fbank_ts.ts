/**
 * The Kaldi fbank pipeline in plain TypeScript: the reference the WASM kernel is tested against, and the
 * path used where WebAssembly cannot run (or the FFT size is not a power of two). Follows
 * feature-window.cc, mel-computations.cc and feature-fbank.cc step by step: the time-domain steps in
 * float32 like Kaldi (and torchaudio, kaldi-native-fbank), the FFT as `o.fft` says (fft_kaldi32.ts:
 * Kaldi's own float32 arithmetic; fft64.ts: float64), power and mel sums in float64.
 * @module
 */
import type { Rng } from "../random.ts";
import { type FbankOptions, firstSample, frameSizes } from "./options.ts";
import { RealFft64 } from "./fft64.ts";
import { KaldiRealFft } from "./fft_kaldi32.ts";

const FLT_EPSILON = 1.1920928955078125e-7;

/** Kaldi's window function (FeatureWindowFunction). */
export function windowFunction(o: FbankOptions, n: number): Float64Array {
  const w = new Float64Array(n);
  const a = (2 * Math.PI) / (n - 1);
  for (let i = 0; i < n; i++) {
    const c = Math.cos(a * i);
    switch (o.windowType) {
      case "hanning":
        w[i] = 0.5 - 0.5 * c;
        break;
      case "sine":
        w[i] = Math.sin(0.5 * a * i);
        break;
      case "hamming":
        w[i] = 0.54 - 0.46 * c;
        break;
      case "povey":
        w[i] = Math.pow(0.5 - 0.5 * c, 0.85);
        break;
      case "rectangular":
        w[i] = 1;
        break;
      case "blackman":
        w[i] = o.blackmanCoeff - 0.5 * c + (0.5 - o.blackmanCoeff) * Math.cos(2 * a * i);
        break;
    }
  }
  return w;
}

const mel = (f: number) => 1127 * Math.log(1 + f / 700);

/** Triangular mel filters as Kaldi's MelBanks builds them: per bin, first FFT index and weights. */
export interface MelBanks {
  offsets: Int32Array;
  weights: Float64Array[];
}

/** Builds the mel banks for the FFT size (VTLN off). The Nyquist bin is excluded, as in Kaldi. */
export function melBanks(o: FbankOptions, fft: number): MelBanks {
  const numFftBins = Math.floor(fft / 2);
  const nyquist = 0.5 * o.sampleRate;
  const high = o.highFreq > 0 ? o.highFreq : nyquist + o.highFreq;
  const binWidth = o.sampleRate / fft;
  const melLow = mel(o.lowFreq), melHigh = mel(high);
  const delta = (melHigh - melLow) / (o.numMelBins + 1);
  const offsets = new Int32Array(o.numMelBins);
  const weights: Float64Array[] = [];
  for (let b = 0; b < o.numMelBins; b++) {
    const left = melLow + b * delta, center = melLow + (b + 1) * delta, right = melLow + (b + 2) * delta;
    let first = -1, last = -1;
    const tmp = new Float64Array(numFftBins);
    for (let i = 0; i < numFftBins; i++) {
      const m = mel(binWidth * i);
      if (m > left && m < right) {
        tmp[i] = m <= center ? (m - left) / (center - left) : (right - m) / (right - center);
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0) {
      throw new RangeError(`fbank: mel bin ${b} is empty; use fewer numMelBins or a larger FFT`);
    }
    const w = tmp.slice(first, last + 1);
    // (Kaldi's MelBanks has an HTK first-weight quirk behind mel_opts.htk_mode, which --htk-compat does
    // not switch on; the real Kaldi htk-compat output confirms it is off.)
    offsets[b] = first;
    weights.push(w);
  }
  return { offsets, weights };
}

/**
 * Copies frames [first, first+count) of `signal` (already scaled) into rows of `win` samples, reflecting
 * at the edges when snipEdges is false (Kaldi ExtractWindow), adding dither from `rng`.
 */
export function extractFrames(
  signal: Float32Array,
  o: FbankOptions,
  first: number,
  count: number,
  rng: Rng | null,
  out: Float32Array,
  signalOffset = 0,
  totalSamples = signal.length + signalOffset,
): void {
  const { win } = frameSizes(o);
  const n = totalSamples;
  for (let f = 0; f < count; f++) {
    const start = firstSample(first + f, o);
    const row = f * win;
    if (start >= 0 && start + win <= n) {
      out.set(signal.subarray(start - signalOffset, start - signalOffset + win), row);
    } else {
      for (let s = 0; s < win; s++) {
        let k = start + s;
        while (k < 0 || k >= n) k = k < 0 ? -k - 1 : 2 * n - 1 - k;
        out[row + s] = signal[k - signalOffset];
      }
    }
    if (rng && o.dither !== 0) {
      for (let s = 0; s < win; s++) out[row + s] += o.dither * rng.normal();
    }
  }
}

/** Precomputed state for the TypeScript fbank of one option set. */
export class FbankTs {
  readonly win: number;
  readonly fft: number;
  readonly cols: number;
  readonly #window: Float64Array;
  readonly #banks: MelBanks;
  readonly #re: Float64Array;
  readonly #im: Float64Array;
  readonly #spectrum: KaldiRealFft | RealFft64;

  constructor(readonly o: FbankOptions) {
    const { win, fft } = frameSizes(o);
    this.win = win;
    this.fft = fft;
    this.cols = o.numMelBins + (o.useEnergy ? 1 : 0);
    this.#window = Float64Array.from(windowFunction(o, win), Math.fround);
    this.#banks = melBanks(o, fft);
    this.#re = new Float64Array(fft);
    this.#im = new Float64Array(fft);
    if (fft % 2 !== 0) {
      throw new RangeError(
        `fbank: FFT size ${fft} is odd; Kaldi needs an even window length without roundToPowerOfTwo`,
      );
    }
    this.#spectrum = o.fft === "float64" ? new RealFft64(fft) : new KaldiRealFft(fft);
  }

  /** Processes `count` extracted frames (rows of `win`) into `out` rows of `cols`. */
  process(frames: Float32Array, count: number, out: Float32Array, outOffset = 0): void {
    const { o, win, fft, cols } = this;
    const re = this.#re, im = this.#im, w = this.#window;
    const nb = o.numMelBins;
    const melCol = o.useEnergy && !o.htkCompat ? 1 : 0;
    const energyCol = o.useEnergy ? (o.htkCompat ? nb : 0) : -1;
    const logFloor = o.energyFloor > 0 ? Math.log(o.energyFloor) : -Infinity;
    for (let f = 0; f < count; f++) {
      re.fill(0);
      im.fill(0);
      for (let s = 0; s < win; s++) re[s] = frames[f * win + s];
      // Time-domain steps in float32 like Kaldi (Math.fround after each operation).
      const F = Math.fround;
      if (o.removeDcOffset) {
        let sum = 0;
        for (let s = 0; s < win; s++) sum = F(sum + re[s]);
        const mean = F(sum / win);
        for (let s = 0; s < win; s++) re[s] = F(re[s] - mean);
      }
      let logEnergy = 0;
      if (o.useEnergy && o.rawEnergy) logEnergy = this.#logEnergy(re);
      const p = F(o.preemphasisCoefficient);
      if (p !== 0) {
        for (let s = win - 1; s > 0; s--) re[s] = F(re[s] - F(p * re[s - 1]));
        re[0] = F(re[0] - F(p * re[0]));
      }
      for (let s = 0; s < win; s++) re[s] = F(re[s] * w[s]);
      if (o.useEnergy && !o.rawEnergy) logEnergy = this.#logEnergy(re);
      this.#spectrum.power(re, im); // power spectrum, bins 0..fft/2 into re[0..fft/2]
      if (!o.usePower) { for (let k = 0; k <= fft / 2; k++) re[k] = Math.sqrt(re[k]); }
      const row = outOffset + f * cols;
      for (let b = 0; b < nb; b++) {
        const ws = this.#banks.weights[b], off = this.#banks.offsets[b];
        let e = 0;
        for (let j = 0; j < ws.length; j++) e += ws[j] * re[off + j];
        out[row + melCol + b] = o.useLog ? Math.log(Math.max(e, FLT_EPSILON)) : e;
      }
      if (energyCol >= 0) out[row + energyCol] = Math.max(logEnergy, logFloor);
    }
  }

  #logEnergy(x: Float64Array): number {
    let e = 0;
    for (let s = 0; s < this.win; s++) e = Math.fround(e + Math.fround(x[s] * x[s]));
    return Math.log(Math.max(e, FLT_EPSILON));
  }
}
