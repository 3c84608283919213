/**
 * The per-crop augmentation of a training recipe, assembled from augmenter plugins: WeSpeaker's
 * waveform rule (with probability `prob` one of noise / music / babble / reverberation, drawn by
 * weight; `dataset/processor.py` add_reverb_noise uses prob 0.6 and reverb vs. MUSAN noise) and
 * SpecAugment on the features afterwards. `augmentCrop` runs both on one crop with a given generator.
 * @module
 */
import type { AppliedAugmentation, Augmenter } from "../contracts/augment.ts";
import type { Matrix } from "../matrix.ts";
import type { Rng } from "../random.ts";
import { oneOf, type WeightedAugmenter } from "./chain.ts";

/** What {@link buildAugmentation} needs from a registry (registry.create of the `augmenter` slot). */
export type CreateAugmenter = (
  slot: "augmenter",
  name: string,
  options?: Record<string, unknown>,
) => Promise<Augmenter>;

/** Waveform and feature augmentation settings (every plugin's options pass through). */
export interface AugmentRecipe {
  /** Probability that a crop gets one waveform augmentation (WeSpeaker: 0.6). */
  readonly prob: number;
  /** Relative weights of the waveform augmenters; 0 or absent leaves one out. */
  readonly weights: {
    readonly noise?: number;
    readonly music?: number;
    readonly babble?: number;
    readonly reverb?: number;
  };
  /** Options of each plugin (babble needs `talkers`: training speakers' files). */
  readonly noise?: Record<string, unknown>;
  readonly music?: Record<string, unknown>;
  readonly babble?: Record<string, unknown>;
  readonly reverb?: Record<string, unknown>;
  /** SpecAugment options (its own `prob`, default 0.6), or null for none. */
  readonly specaugment?: Record<string, unknown> | null;
}

/** WeSpeaker-like defaults: prob 0.6, reverb as likely as the three additive kinds together. */
export const DEFAULT_AUGMENT: AugmentRecipe = {
  prob: 0.6,
  weights: { noise: 1, music: 1, babble: 1, reverb: 3 },
  specaugment: {},
};

/** Built augmentation: a waveform augmenter (null when every weight is 0) and a feature augmenter. */
export interface Augmentation {
  readonly wave: Augmenter | null;
  readonly features: Augmenter | null;
  readonly info: Record<string, unknown>;
}

/** Creates the plugins of a recipe through `create` (bind a registry: `(s, n, o) => registry.create(s, n, o)`). */
export async function buildAugmentation(create: CreateAugmenter, r: AugmentRecipe): Promise<Augmentation> {
  const choices: WeightedAugmenter[] = [];
  for (const name of ["noise", "music", "babble", "reverb"] as const) {
    const w = r.weights[name] ?? 0;
    if (w > 0) choices.push({ name, augmenter: await create("augmenter", name, r[name] ?? {}), weight: w });
  }
  const wave = choices.length ? oneOf(choices, r.prob) : null;
  const features = r.specaugment ? await create("augmenter", "specaugment", r.specaugment) : null;
  return {
    wave,
    features,
    info: {
      prob: r.prob,
      weights: r.weights,
      waveform: choices.map((c) => ({ name: c.name, weight: c.weight, ...c.augmenter.info?.() })),
      specaugment: features?.info?.() ?? null,
    },
  };
}

/**
 * One crop through the waveform augmentation, then `toFeatures` (e.g. fbank + CMN), then SpecAugment.
 * Every draw comes from `rng`; `log` (optional) receives what was applied.
 */
export function augmentCrop(
  a: Augmentation,
  samples: Float32Array,
  toFeatures: (x: Float32Array) => Matrix,
  ctx: { rng: Rng; sampleRate: number; speaker?: string; log?: AppliedAugmentation[] },
): Matrix {
  const x = a.wave ? a.wave.wave!(samples, ctx) : samples;
  const f = toFeatures(x);
  return a.features ? a.features.features!(f, ctx) : f;
}
