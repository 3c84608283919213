/**
 * The Kaldi fbank pipeline in plain TypeScript (float64): the reference the WASM kernel is tested
 * against, and the path used where WebAssembly cannot run. Follows feature-window.cc,
 * mel-computations.cc and feature-fbank.cc step by step.
 * @module
 */
import type { Rng } from "../random.ts";
import { type FbankOptions, firstSample, frameSizes } from "./options.ts";

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
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #pow2: boolean;
  readonly #cr: Float64Array;
  readonly #ci: Float64Array;
  readonly #rootRe: number;
  readonly #f32r: Float32Array;
  readonly #f32i: Float32Array;
  readonly #tabs: Float32Array[];
  readonly #bitrev: Int32Array;
  readonly #rootIm: number;

  constructor(readonly o: FbankOptions) {
    const { win, fft } = frameSizes(o);
    this.win = win;
    this.fft = fft;
    this.cols = o.numMelBins + (o.useEnergy ? 1 : 0);
    this.#window = Float64Array.from(windowFunction(o, win), Math.fround);
    this.#banks = melBanks(o, fft);
    this.#re = new Float64Array(fft);
    this.#im = new Float64Array(fft);
    this.#pow2 = ((fft / 2) & (fft / 2 - 1)) === 0;
    if (fft % 2 !== 0) {
      throw new RangeError(
        `fbank: FFT size ${fft} is odd; Kaldi needs an even window length without roundToPowerOfTwo`,
      );
    }
    const h = fft / 2;
    this.#cos = new Float64Array(h);
    this.#sin = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      this.#cos[i] = Math.cos((2 * Math.PI * i) / h);
      this.#sin[i] = -Math.sin((2 * Math.PI * i) / h);
    }
    this.#cr = new Float64Array(h);
    this.#ci = new Float64Array(h);
    // Kaldi: ComplexImExp(static_cast<float>(-2*pi/N)) with cosf/sinf.
    const th = Math.fround(-2 * Math.PI / fft);
    this.#rootRe = Math.fround(Math.cos(th));
    this.#rootIm = Math.fround(Math.sin(th));
    this.#f32r = new Float32Array(h);
    this.#f32i = new Float32Array(h);
    const logn = Math.round(Math.log2(h));
    this.#tabs = this.#pow2 ? splitRadixTables(logn) : [];
    this.#bitrev = new Int32Array(h);
    if (this.#pow2) {
      for (let i = 0; i < h; i++) {
        let r = 0;
        for (let b = 0; b < logn; b++) if (i & (1 << b)) r |= 1 << (logn - 1 - b);
        this.#bitrev[i] = r;
      }
    }
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
      this.#realFftPower(re, im);
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

  /**
   * Power spectrum of the real frame in `re` (bins 0..fft/2 written to re[0..fft/2]), computed the way
   * Kaldi does: a complex FFT of the fft/2 packed pairs, then Kaldi's RealFft unpacking, whose twiddle
   * factor is advanced by a recursive complex multiply in float32. That recursion's rounding is visible
   * in quiet bins (up to 0.02 in log fbank on the reference sine sweep), so we reproduce it exactly.
   */
  #realFftPower(re: Float64Array, im: Float64Array): void {
    const n = this.fft, h = n / 2;
    const cr = this.#cr, ci = this.#ci;
    for (let k = 0; k < h; k++) {
      cr[k] = re[2 * k];
      ci[k] = re[2 * k + 1];
    }
    if (this.#pow2) this.#fftPow2(cr, ci);
    else this.#dft(cr, ci);
    const F = Math.fround;
    const rootRe = this.#rootRe, rootIm = this.#rootIm;
    let kRe = 1, kIm = 0;
    const dr = re, di = im; // reuse as the unpacked spectrum A_k (k = 0..h)
    for (let k = 0; k < h; k++) {
      cr[k] = F(cr[k]);
      ci[k] = F(ci[k]);
    }
    for (let k = 1; 2 * k <= h; k++) {
      const t = F(F(kRe * rootRe) - F(kIm * rootIm));
      kIm = F(F(kRe * rootIm) + F(kIm * rootRe));
      kRe = t;
      const ckRe = F(0.5 * F(cr[k] + cr[h - k])), ckIm = F(0.5 * F(ci[k] - ci[h - k]));
      const dkRe = F(0.5 * F(ci[k] + ci[h - k])), dkIm = F(-0.5 * F(cr[k] - cr[h - k]));
      dr[k] = F(ckRe + F(F(dkRe * kRe) - F(dkIm * kIm)));
      di[k] = F(ckIm + F(F(dkRe * kIm) + F(dkIm * kRe)));
      const kd = h - k;
      if (kd !== k) {
        dr[kd] = F(ckRe + F(F(dkRe * -kRe) - F(-dkIm * kIm)));
        di[kd] = F(-ckIm + F(F(dkRe * kIm) + F(-dkIm * -kRe)));
      }
    }
    const dc = cr[0] + ci[0], ny = cr[0] - ci[0];
    re[0] = dc * dc;
    for (let k = 1; k < h; k++) re[k] = dr[k] * dr[k] + di[k] * di[k];
    re[h] = ny * ny;
  }

  /**
   * Kaldi's split-radix complex FFT of size fft/2 in float32 arithmetic (Math.fround after every
   * operation), then the bit-reversal permutation: the same rounding as asm/src/fbank.ts and Kaldi.
   */
  #fftPow2(re: Float64Array, im: Float64Array): void {
    const h = this.fft / 2;
    const xr = this.#f32r, xi = this.#f32i;
    for (let i = 0; i < h; i++) {
      xr[i] = re[i];
      xi[i] = im[i];
    }
    srfft(xr, xi, 0, Math.log2(h), this.#tabs);
    for (let i = 0; i < h; i++) {
      const j = this.#bitrev[i];
      re[i] = xr[j];
      im[i] = xi[j];
    }
  }

  /** Direct complex DFT of size fft/2 when that is not a power of two (roundToPowerOfTwo = false). */
  #dft(re: Float64Array, im: Float64Array): void {
    const n = this.fft / 2, xr = re.slice(0, n), xi = im.slice(0, n);
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let t = 0; t < n; t++) {
        const idx = (k * t) % n;
        sr += xr[t] * this.#cos[idx] - xi[t] * this.#sin[idx];
        si += xr[t] * this.#sin[idx] + xi[t] * this.#cos[idx];
      }
      re[k] = sr;
      im[k] = si;
    }
  }
}

/**
 * Kaldi's split-radix twiddle tables per level i >= 4 (float angle, cosf/sinf, and the 3-multiply
 * forms): [c(n), -(s+c), s-c, c(3n), -(s3+c3), s3-c3], each m/4 - 2 long, n = m/8 skipped.
 */
export function splitRadixTables(logn: number): Float32Array[] {
  const F = Math.fround, tabs: Float32Array[] = [];
  for (let i = 4; i <= logn; i++) {
    const m = 1 << i, m4 = m / 4, m8 = m / 8, nel = m4 - 2;
    const t = new Float32Array(6 * nel);
    let k = 0;
    for (let n = 1; n < m4; n++) {
      if (n === m8) continue;
      let ang = F((n * 2 * Math.PI) / m);
      let c = F(Math.cos(ang)), s = F(Math.sin(ang));
      t[k] = c;
      t[nel + k] = F(-F(s + c));
      t[2 * nel + k] = F(s - c);
      ang = F((3 * n * 2 * Math.PI) / m);
      c = F(Math.cos(ang));
      s = F(Math.sin(ang));
      t[3 * nel + k] = c;
      t[4 * nel + k] = F(-F(s + c));
      t[5 * nel + k] = F(s - c);
      k++;
    }
    tabs[i] = t;
  }
  return tabs;
}

const SQHALF = Math.fround(Math.SQRT1_2);

/** Split-radix DIF complex FFT on xr/xi[o..o+2^logn) in float32, output in bit-reversed order. */
function srfft(xr: Float32Array, xi: Float32Array, o: number, logn: number, tabs: Float32Array[]): void {
  const F = Math.fround;
  if (logn < 3) {
    if (logn === 2) {
      let t = F(xr[o] + xr[o + 2]);
      xr[o + 2] = xr[o] - xr[o + 2];
      xr[o] = t;
      t = F(xi[o] + xi[o + 2]);
      xi[o + 2] = xi[o] - xi[o + 2];
      xi[o] = t;
      t = F(xr[o + 1] + xr[o + 3]);
      xr[o + 3] = xr[o + 1] - xr[o + 3];
      xr[o + 1] = t;
      t = F(xi[o + 1] + xi[o + 3]);
      xi[o + 3] = xi[o + 1] - xi[o + 3];
      xi[o + 1] = t;
      t = F(xr[o] + xr[o + 1]);
      xr[o + 1] = xr[o] - xr[o + 1];
      xr[o] = t;
      t = F(xi[o] + xi[o + 1]);
      xi[o + 1] = xi[o] - xi[o + 1];
      xi[o] = t;
      const t1 = F(xr[o + 2] + xi[o + 3]), t2 = F(xi[o + 2] + xr[o + 3]);
      xi[o + 2] = xi[o + 2] - xr[o + 3];
      xr[o + 3] = xr[o + 2] - xi[o + 3];
      xr[o + 2] = t1;
      xi[o + 3] = t2;
    } else if (logn === 1) {
      let t = F(xr[o] + xr[o + 1]);
      xr[o + 1] = xr[o] - xr[o + 1];
      xr[o] = t;
      t = F(xi[o] + xi[o + 1]);
      xi[o + 1] = xi[o] - xi[o + 1];
      xi[o] = t;
    }
    return;
  }
  const m = 1 << logn, m2 = m >> 1, m4 = m2 >> 1, m8 = m4 >> 1;
  for (let n = 0; n < m2; n++) {
    const a = xr[o + n], b = xr[o + n + m2];
    xr[o + n + m2] = a - b;
    xr[o + n] = a + b;
    const c = xi[o + n], d = xi[o + n + m2];
    xi[o + n + m2] = c - d;
    xi[o + n] = c + d;
  }
  for (let n = 0; n < m4; n++) {
    const i1 = o + m2 + n, i2 = o + m2 + m4 + n;
    const r1 = xr[i1], r2 = xr[i2], q1 = xi[i1], q2 = xi[i2];
    xi[i1] = q1 - r2;
    xr[i2] = r1 - q2;
    xr[i1] = r1 + q2;
    xi[i2] = q1 + r2;
  }
  const t = logn >= 4 ? tabs[logn] : new Float32Array(0), nel = m4 - 2;
  let k = 0;
  for (let n = 1; n < m4; n++) {
    const i1 = o + m2 + n, i2 = o + m2 + m4 + n;
    if (n === m8) {
      const r1 = xr[i1], q1 = xi[i1];
      const t1 = F(SQHALF * F(r1 + q1));
      xi[i1] = SQHALF * F(q1 - r1);
      xr[i1] = t1;
      const r2 = xr[i2], q2 = xi[i2];
      const t2 = F(SQHALF * F(q2 - r2));
      xi[i2] = -SQHALF * F(r2 + q2);
      xr[i2] = t2;
    } else {
      const r1 = xr[i1], q1 = xi[i1];
      let t2 = F(t[k] * F(r1 + q1));
      let t1 = F(F(t[nel + k] * r1) + t2);
      xr[i1] = F(t[2 * nel + k] * q1) + t2;
      xi[i1] = t1;
      const r2 = xr[i2], q2 = xi[i2];
      t2 = F(t[3 * nel + k] * F(r2 + q2));
      t1 = F(F(t[4 * nel + k] * r2) + t2);
      xr[i2] = F(t[5 * nel + k] * q2) + t2;
      xi[i2] = t1;
      k++;
    }
  }
  srfft(xr, xi, o, logn - 1, tabs);
  srfft(xr, xi, o + m2, logn - 2, tabs);
  srfft(xr, xi, o + 3 * (m >> 2), logn - 2, tabs);
}
