/**
 * FFT helpers for augmentation: linear convolution by FFT (reverberation) and spectral shaping
 * (coloured noise). The transform is npm `fft.js` (radix-4, real-input fast path); this module only
 * sizes, pads and multiplies spectra.
 * @module
 */
import FFT from "fft.js";

/** The part of fft.js's API used here (the package ships no types). */
interface FftJs {
  createComplexArray(): number[];
  realTransform(out: ArrayLike<number>, data: ArrayLike<number>): void;
  completeSpectrum(spectrum: ArrayLike<number>): void;
  inverseTransform(out: ArrayLike<number>, data: ArrayLike<number>): void;
}
const FftCtor = FFT as unknown as new (n: number) => FftJs;
const plans = new Map<number, FftJs>();

/** A cached transform of size n (a power of two >= 2). */
function plan(n: number): FftJs {
  let p = plans.get(n);
  if (!p) plans.set(n, p = new FftCtor(n));
  return p;
}

/** Smallest power of two >= n (and >= 2). */
export function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/** Full complex spectrum (interleaved re, im; length 2n) of real x zero-padded to n. */
export function realSpectrum(x: ArrayLike<number>, n: number): Float64Array {
  const inp = new Float64Array(n);
  for (let i = 0; i < Math.min(n, x.length); i++) inp[i] = x[i];
  const out = new Float64Array(2 * n);
  const p = plan(n);
  p.realTransform(out, inp);
  p.completeSpectrum(out);
  return out;
}

/** Real part of the inverse transform of an interleaved complex spectrum of size n. */
export function inverseReal(spec: Float64Array, n: number): Float64Array {
  const out = new Float64Array(2 * n);
  plan(n).inverseTransform(out, spec);
  const re = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = out[2 * i];
  return re;
}

/**
 * Linear convolution y = x * h, first `outLength` samples (default: the full x.length + h.length - 1),
 * by one FFT size covering the full result (no circular wrap-around).
 */
export function fftConvolve(x: Float32Array, h: Float32Array, outLength?: number): Float32Array {
  const full = x.length + h.length - 1;
  const len = Math.min(outLength ?? full, full);
  const n = nextPow2(full);
  const X = realSpectrum(x, n), H = realSpectrum(h, n);
  for (let k = 0; k < n; k++) {
    const a = X[2 * k], b = X[2 * k + 1], c = H[2 * k], d = H[2 * k + 1];
    X[2 * k] = a * c - b * d;
    X[2 * k + 1] = a * d + b * c;
  }
  const y = inverseReal(X, n);
  return Float32Array.from(y.subarray(0, len));
}
