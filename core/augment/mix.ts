/**
 * Additive mixing at a target signal-to-noise ratio, and random chunks of noise sources.
 *
 * SNR convention: 10·log10(P_clean / P_noise) with P the mean square over the crop (float64 sums).
 * WeSpeaker (`dataset/processor.py`) and Kaldi (`wav-reverberate`) scale the noise the same way;
 * WeSpeaker adds 1e-4 to each mean square before the log, which biases the SNR of quiet crops by
 * several dB; we leave that floor out so the SNR asked for is the SNR delivered.
 * @module
 */
import type { Rng } from "../random.ts";

/** Mean square of x (float64 accumulation). */
export function meanSquare(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length ? s / x.length : 0;
}

/** 10·log10(P_signal / P_noise) of two separate parts. */
export function snrDb(signal: ArrayLike<number>, noise: ArrayLike<number>): number {
  return 10 * Math.log10(meanSquare(signal) / meanSquare(noise));
}

/** A mixture and the part that was added. */
export interface Mixed {
  /** clean + noise. */
  readonly samples: Float32Array;
  /** The scaled noise that was added (same length as clean). */
  readonly noise: Float32Array;
  /** The SNR asked for (dB). */
  readonly snrDb: number;
}

/**
 * Adds `noise` (same length as `clean`) scaled so that P_clean / P_scaled-noise = 10^(snr/10).
 * A silent clean crop gets no noise (its SNR is undefined); a silent noise is refused.
 */
export function addAtSnr(clean: Float32Array, noise: Float32Array, snr: number): Mixed {
  if (noise.length !== clean.length) {
    throw new RangeError(`addAtSnr: noise has ${noise.length} samples, clean ${clean.length}; crop it first`);
  }
  const pc = meanSquare(clean), pn = meanSquare(noise);
  if (!(pn > 0)) throw new RangeError("addAtSnr: the noise is silent (all zeros); pick another source");
  const g = pc > 0 ? Math.sqrt(pc / (pn * 10 ** (snr / 10))) : 0;
  const scaled = new Float32Array(noise.length), out = new Float32Array(clean.length);
  for (let i = 0; i < clean.length; i++) {
    scaled[i] = g * noise[i];
    out[i] = clean[i] + scaled[i];
  }
  return { samples: out, noise: scaled, snrDb: snr };
}

/**
 * A random `len`-sample chunk of `src` (a copy). A source shorter than `len` is tiled from a random
 * offset, as Kaldi's `wav-reverberate` repeats short additive noises.
 */
export function randomChunk(src: Float32Array, len: number, rng: Rng): Float32Array {
  if (!src.length) throw new RangeError("randomChunk: the source is empty");
  if (src.length >= len) {
    const s = rng.int(src.length - len + 1);
    return src.slice(s, s + len);
  }
  const out = new Float32Array(len);
  let p = rng.int(src.length);
  for (let i = 0; i < len; i++) {
    out[i] = src[p];
    if (++p === src.length) p = 0;
  }
  return out;
}

/** A uniform draw in [lo, hi]. */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** An integer drawn uniformly in [lo, hi] (both included). */
export function uniformInt(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** A seed for item `i` of a seeded family (a 32-bit integer hash, so neighbouring items get unrelated streams). */
export function subSeed(seed: number, i: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
