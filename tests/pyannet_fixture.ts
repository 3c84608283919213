/**
 * Fixed inputs for the PyanNet golden check (tests/golden/gen_pyannet.py and tests/segmentation_test.ts):
 * seeded synthetic "voiced" audio (harmonic tones with a syllable-rate envelope plus noise), so the
 * test regenerates exactly what the generator fed PyTorch (their sha256 is in the golden file).
 * @module
 */
import { Rng } from "../core/random.ts";

/** Seed of the golden PyanNet's weights. */
export const PYANNET_GOLDEN_SEED = 7;

/** One seeded signal of `n` samples at 16 kHz. */
export function voicedSignal(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const f0 = 100 + 150 * rng.next(), rate = 3 + 3 * rng.next();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    const env = Math.max(0, Math.sin(2 * Math.PI * rate * t)) ** 2;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f0 * h * t * (1 + 0.01 * Math.sin(t))) / h;
    out[i] = 0.1 * env * v + 0.01 * rng.normal();
  }
  return out;
}

/** The golden batches: [1 x 10 s] and [2 x 3 s]. */
export function pyannetGoldenInputs(): { batch: number; samples: number; data: Float32Array }[] {
  const ten = voicedSignal(160000, 11);
  const three = new Float32Array(2 * 48000);
  three.set(voicedSignal(48000, 12), 0);
  three.set(voicedSignal(48000, 13), 48000);
  return [{ batch: 1, samples: 160000, data: ten }, { batch: 2, samples: 48000, data: three }];
}
