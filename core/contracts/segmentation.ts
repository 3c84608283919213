/**
 * Speaker segmentation contract (a `backbone` plugin with role `segmentation`, pyannote
 * segmentation-3.0 style): fixed-length audio chunks in, per-frame local-speaker activity out.
 * @module
 */
import type { PluginDefinition } from "./base.ts";

/** A loaded segmentation model. */
export interface Segmenter {
  /** Discriminates the backbone roles. */
  readonly role: "segmentation";
  /** Sample rate the model expects (Hz). */
  readonly sampleRate: number;
  /** Chunk (window) length in seconds the model was trained on (pyannote: 10 s). */
  readonly chunkSeconds: number;
  /** Local speakers per chunk (after powerset decoding, pyannote 3.x: 3). */
  readonly numSpeakers: number;
  /** Output frame step and duration in seconds (receptive field), as pyannote's `SlidingWindow`. */
  readonly frameStep: number;
  /** Output frame duration (s). */
  readonly frameDuration: number;
  /** Facts to report with every result: model, powerset classes, EP. */
  info(): Record<string, unknown>;
  /**
   * Per-frame activity probabilities for each chunk (`chunkSeconds * sampleRate` samples each):
   * `[frames x numSpeakers]` row-major per chunk, multilabel (powerset already decoded).
   */
  segment(chunks: readonly Float32Array[]): Promise<Float32Array[]>;
  /** Frees sessions. */
  dispose?(): void | Promise<void>;
}

/** A segmentation plugin definition. */
export type SegmentationPlugin<C extends object = object> = PluginDefinition<"backbone", C, Segmenter>;
