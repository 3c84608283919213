/**
 * Speed perturbation (Ko et al., "Audio augmentation for speech recognition", 2015; Kaldi and
 * WeSpeaker recipes use 0.9x and 1.1x, with each perturbed copy treated as a new speaker): resampling
 * by linear interpolation, so tempo and pitch change together as with sox `speed`.
 * @module
 */

/** Linear-interpolation resampling by `factor` (0.9 = slower/lower pitch, as sox speed). */
export function speedPerturb(x: Float32Array, factor: number): Float32Array {
  if (!(factor > 0)) throw new RangeError(`speedPerturb: factor must be > 0, got ${factor}`);
  const n = Math.floor(x.length / factor);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i * factor, k = Math.floor(t), f = t - k;
    out[i] = k + 1 < x.length ? x[k] * (1 - f) + x[k + 1] * f : x[k];
  }
  return out;
}
