/**
 * Augmentation contract (an `adapter` plugin with role `augment`): applied per training crop, seeded.
 * A waveform augmenter changes samples (noise, music, babble, reverberation, speed); a feature
 * augmenter changes a feature matrix (SpecAugment masks).
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { Rng } from "../random.ts";
import type { PluginDefinition } from "./base.ts";

/** What an augmenter may use besides its input. */
export interface AugmentContext {
  /** Sample rate of waveform input (Hz). */
  readonly sampleRate: number;
  /** The generator to draw from (seeded by the caller; the only source of randomness). */
  readonly rng: Rng;
}

/** A configured augmenter. */
export interface Augmenter {
  /** Discriminates the adapter roles. */
  readonly role: "augment";
  /** What it transforms: samples or a features matrix (frames x bins). */
  readonly domain: "waveform" | "features";
  /** Waveform augmenters: new samples (same length unless the augmenter says otherwise, e.g. speed). */
  wave?(samples: Float32Array, ctx: AugmentContext): Float32Array;
  /** Feature augmenters: a new matrix of the same shape. */
  features?(x: Matrix, ctx: AugmentContext): Matrix;
  /** Facts to report (sources, SNR ranges). */
  info?(): Record<string, unknown>;
}

/** An augmentation plugin definition. */
export type AugmentPlugin<C extends object = object> = PluginDefinition<"adapter", C, Augmenter>;
