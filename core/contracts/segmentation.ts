/**
 * Speaker segmentation contract (a `backbone` plugin with role `segmentation`, pyannote
 * segmentation-3.0 style): fixed-length audio chunks in, per-frame local-speaker activity out.
 *
 * Frame f of a chunk starting at time s covers [s + frameStart + f * frameStep, ... + frameDuration]
 * (pyannote's `model.receptive_field` SlidingWindow, relative to the chunk). Local speaker k of one
 * chunk has nothing to do with local speaker k of another: linking them is the clustering's job.
 * @module
 */
import type { PluginDefinition } from "./base.ts";

/** How {@link Segmenter.segment} decodes a powerset output. */
export interface SegmentOptions {
  /**
   * false (default, as pyannote's diarization pipeline): hard multilabel, one-hot argmax of the powerset
   * classes mapped to speakers (values 0/1). true: soft, exp(log-probs) @ mapping (values in [0, 1]).
   */
  readonly soft?: boolean;
}

/** A loaded segmentation model. */
export interface Segmenter {
  /** Discriminates the backbone roles. */
  readonly role: "segmentation";
  /** Sample rate the model expects (Hz). */
  readonly sampleRate: number;
  /** Chunk (window) length in seconds the model was trained on (pyannote: 10 s). */
  readonly chunkSeconds: number;
  /** Samples per chunk: round(chunkSeconds * sampleRate). */
  readonly chunkSamples: number;
  /** Output frames per chunk (pyannote segmentation-3.0: 589). */
  readonly framesPerChunk: number;
  /** Local speakers per chunk (after powerset decoding, pyannote 3.x: 3). */
  readonly numSpeakers: number;
  /** Most speakers active in one frame (powerset_max_classes: 2; = numSpeakers for multilabel models). */
  readonly maxSpeakersPerFrame: number;
  /** Start of frame 0 relative to the chunk start (s): pyannote's receptive_field.start (0 for PyanNet). */
  readonly frameStart: number;
  /** Output frame step (s), pyannote's receptive_field.step (270 / 16000). */
  readonly frameStep: number;
  /** Output frame duration (s), the receptive field (991 / 16000). */
  readonly frameDuration: number;
  /** Facts to report with every result: model, powerset classes, EP, where the layout came from. */
  info(): Record<string, unknown>;
  /**
   * Per-frame activity for each chunk (each exactly `chunkSamples` samples, zero-padded by the caller):
   * one `Float32Array` per chunk, `[framesPerChunk x numSpeakers]` row-major (frame-major), multilabel.
   */
  segment(chunks: readonly Float32Array[], options?: SegmentOptions): Promise<Float32Array[]>;
  /** Frees sessions. */
  dispose?(): void | Promise<void>;
}

/** A segmentation plugin definition. */
export type SegmentationPlugin<C extends object = object> = PluginDefinition<"backbone", C, Segmenter>;
