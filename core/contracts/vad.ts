/**
 * Speech detection contract (a `backbone` plugin with role `vad`): audio in, speech regions out.
 * @module
 */
import type { PluginDefinition } from "./base.ts";

/** A time region in seconds. */
export interface Region {
  /** Start (s). */
  readonly start: number;
  /** End (s). */
  readonly end: number;
}

/** A loaded speech detector. */
export interface SpeechDetector {
  /** Discriminates the backbone roles. */
  readonly role: "vad";
  /** Facts to report with every result: model, thresholds. */
  info(): Record<string, unknown>;
  /** Speech regions of mono samples in [-1, 1], sorted and disjoint; `id` names the input in errors. */
  detect(samples: Float32Array, sampleRate: number, id?: string): Promise<Region[]>;
  /** Frees sessions. */
  dispose?(): void | Promise<void>;
}

/** A speech-detection plugin definition. */
export type VadPlugin<C extends object = object> = PluginDefinition<"backbone", C, SpeechDetector>;
