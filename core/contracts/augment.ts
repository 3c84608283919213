/**
 * Augmentation contract (an `adapter` plugin with role `augment`): applied per training crop, seeded.
 * A waveform augmenter changes samples (noise, music, babble, reverberation, speed); a feature
 * augmenter changes a feature matrix (SpecAugment masks).
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { Rng } from "../random.ts";
import type { PluginDefinition } from "./base.ts";

/** What an augmenter did to one input (for logs, and for label changes such as speed perturbation). */
export interface AppliedAugmentation {
  /** The augmenter's registry name (or "none" when it passed the input through). */
  readonly augmenter: string;
  /** Its draws: snrDb, rt60, factor, masks, talkers ... */
  readonly [key: string]: unknown;
}

/** What an augmenter may use besides its input. */
export interface AugmentContext {
  /** Sample rate of waveform input (Hz). */
  readonly sampleRate: number;
  /** The generator to draw from (seeded by the caller; the only source of randomness). */
  readonly rng: Rng;
  /** Speaker of the input: babble and competing-speech sources leave this speaker out. */
  readonly speaker?: string;
  /** When given, every augmenter appends what it did to the input (one entry per call). */
  readonly log?: AppliedAugmentation[];
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
  /** Facts to report (sources, SNR ranges, seeds). */
  info?(): Record<string, unknown>;
  /** Frees what create() loaded (sources, banks). */
  dispose?(): void;
}

/** An augmentation plugin definition. */
export type AugmentPlugin<C extends object = object> = PluginDefinition<"adapter", C, Augmenter>;
