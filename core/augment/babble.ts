/**
 * Babble and competing speech: other talkers' speech added to a crop. Kaldi's VoxCeleb recipe
 * (`egs/voxceleb/v2/run.sh`, MUSAN "babble") adds 3-7 speech files, each at its own SNR drawn from
 * 13-20 dB (`--bg-snrs 20:17:15:13 --num-bg-noises 3:4:5:6:7`); we draw the talker count and each
 * talker's SNR uniformly from those ranges. The talkers come from a caller-given list (training
 * speakers only, never test speakers), and never include the crop's own speaker.
 * @module
 */
import type { Rng } from "../random.ts";
import { addAtSnr, meanSquare, randomChunk, uniform, uniformInt } from "./mix.ts";

/** One talker's speech. */
export interface Talker {
  readonly speaker: string;
  readonly samples: Float32Array;
}

/** Babble settings. */
export interface BabbleConfig {
  /** Fewest and most talkers (inclusive). */
  readonly talkers: readonly [number, number];
  /** SNR range of each talker against the crop (dB). */
  readonly snrDb: readonly [number, number];
}

/** Kaldi's babble: 3-7 talkers, each at 13-20 dB. */
export const KALDI_BABBLE: BabbleConfig = { talkers: [3, 7], snrDb: [13, 20] };

/** A crop with babble and its parts. */
export interface Babbled {
  readonly samples: Float32Array;
  /** Each talker's scaled chunk as added (clean + Σ parts = samples). */
  readonly parts: Float32Array[];
  /** Each talker's SNR against the clean crop (dB). */
  readonly snrs: number[];
  /** Indices of the talkers used (into the given list). */
  readonly talkers: number[];
}

/**
 * Adds talkers drawn from `pool` (distinct entries, none of speaker `exclude`), each at its own SNR.
 * Chunks that are near-silent (mean square under 1e-8) are redrawn a few times before being refused.
 */
export function addBabble(
  clean: Float32Array,
  pool: readonly Talker[],
  cfg: BabbleConfig,
  rng: Rng,
  exclude?: string,
): Babbled {
  const allowed: number[] = [];
  pool.forEach((t, i) => {
    if (t.speaker !== exclude && t.samples.length) allowed.push(i);
  });
  const k = Math.min(uniformInt(rng, cfg.talkers[0], cfg.talkers[1]), allowed.length);
  if (k < 1) {
    throw new RangeError(
      `babble: no talker left to add (pool of ${pool.length}, speaker '${exclude}' excluded); give more talkers`,
    );
  }
  rng.shuffle(allowed);
  const out = Float32Array.from(clean);
  const parts: Float32Array[] = [], snrs: number[] = [], used: number[] = [];
  for (const i of allowed.slice(0, k)) {
    let chunk = randomChunk(pool[i].samples, clean.length, rng);
    for (let tries = 0; meanSquare(chunk) < 1e-8 && tries < 5; tries++) {
      chunk = randomChunk(pool[i].samples, clean.length, rng);
    }
    if (meanSquare(chunk) < 1e-8) continue;
    const snr = uniform(rng, cfg.snrDb[0], cfg.snrDb[1]);
    const m = addAtSnr(clean, chunk, snr);
    for (let j = 0; j < out.length; j++) out[j] += m.noise[j];
    parts.push(m.noise);
    snrs.push(snr);
    used.push(i);
  }
  return { samples: out, parts, snrs, talkers: used };
}
