/**
 * Backbone contract: audio or text in, one embedding per input out.
 * @module
 */
import type { PluginDefinition } from "./base.ts";

/** One item to embed: audio samples (mono float in [-1, 1]) or a text. */
export interface BackboneInput {
  /** Stable id (utterance id, file path) used in errors and caches. */
  readonly id: string;
  /** Mono samples in [-1, 1] for audio backbones. */
  readonly samples?: Float32Array;
  /** Sample rate of `samples` in Hz. */
  readonly sampleRate?: number;
  /** Text for text backbones. */
  readonly text?: string;
}

/** A loaded backbone. */
export interface Backbone {
  /** Output embedding dimension. */
  readonly dim: number;
  /** What it consumes. */
  readonly modality: "audio" | "text";
  /** Facts to report with every result: model, execution provider that ran, front end, seeds. */
  info(): Record<string, unknown>;
  /** One embedding of length `dim` per input, in input order. */
  embed(inputs: readonly BackboneInput[]): Promise<Float32Array[]>;
  /** Frees sessions and workers. */
  dispose?(): void | Promise<void>;
  /**
   * Optional, for retrievers that score without a dense vector (lexical `bm25`, hybrids): the top `k`
   * corpus rows of each query, best first (ties: lower row first), with their scores. Retrieval
   * evaluation calls it instead of embed() + cosine when present; `dim` (Matryoshka truncation of a
   * dense part) is honoured where it means something. Such a backbone's embed() may refuse.
   */
  rank?(
    queries: readonly BackboneInput[],
    corpus: readonly BackboneInput[],
    k: number,
    opts?: { readonly dim?: number },
  ): Promise<{ readonly indices: Int32Array; readonly scores: Float32Array }[]>;
}

/** A backbone plugin definition. */
export type BackbonePlugin<C extends object = object> = PluginDefinition<"backbone", C, Backbone>;
