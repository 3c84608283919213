/**
 * Seeded coloured noise: white Gaussian noise shaped in the frequency domain to a power spectral
 * density ∝ 1/f^β (β = 0 white, 1 pink, 2 brown/red), DC removed, scaled to unit RMS. Stands in for
 * MUSAN's "noise" role, which cannot be fetched here (shared/data/README.md, "Augmentation sources").
 * @module
 */
import type { Rng } from "../random.ts";
import { inverseReal, nextPow2, realSpectrum } from "./fft.ts";

/** Named colours and their spectral exponents β (PSD ∝ f^-β). */
export const NOISE_COLOURS = { white: 0, pink: 1, brown: 2 } as const;
/** A named noise colour. */
export type NoiseColour = keyof typeof NOISE_COLOURS;

/**
 * `n` samples of noise with PSD ∝ f^-beta, zero mean, unit RMS, drawn from `rng` (Box-Muller normals
 * shaped by one FFT of the next power of two, then cut to n).
 */
export function colouredNoise(n: number, beta: number, rng: Rng): Float32Array {
  if (!(n > 0)) throw new RangeError(`colouredNoise: length must be > 0, got ${n}`);
  const m = nextPow2(n);
  const white = new Float64Array(m);
  for (let i = 0; i < m; i++) white[i] = rng.normal();
  if (beta === 0) return unitRms(white.subarray(0, n));
  const S = realSpectrum(white, m);
  S[0] = S[1] = 0; // no DC
  for (let k = 1; k < m; k++) {
    const f = Math.min(k, m - k) / m; // the mirrored half keeps the spectrum Hermitian
    const g = f ** (-beta / 2);
    S[2 * k] *= g;
    S[2 * k + 1] *= g;
  }
  return unitRms(inverseReal(S, m).subarray(0, n));
}

/** Noise of a named colour (see {@link NOISE_COLOURS}). */
export function namedNoise(n: number, colour: NoiseColour, rng: Rng): Float32Array {
  return colouredNoise(n, NOISE_COLOURS[colour], rng);
}

function unitRms(x: Float64Array): Float32Array {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  const k = 1 / Math.sqrt(s / x.length || 1);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - m) * k;
  return out;
}
