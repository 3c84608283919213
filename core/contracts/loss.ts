/**
 * Loss contract: differentiable objectives on the framework's autodiff tape.
 *
 * `V` is the autodiff value type (see core/autodiff); kept generic here so the contract does not
 * depend on the tape implementation.
 * @module
 */
import type { PluginDefinition } from "./base.ts";

/** What a loss may consume; each loss documents which fields it needs. */
export interface LossInput<V = unknown> {
  /** Batch embeddings `[B, D]`. */
  readonly embeddings: V;
  /** Class labels for classification losses, pair labels for pair losses. */
  readonly labels?: Int32Array;
  /** Second view (positives) for pair/ranking losses `[B, D]`. */
  readonly positives?: V;
  /** Extra inputs (hard negatives, domain ids, language halves). */
  readonly extra?: Record<string, unknown>;
}

/** A configured loss; classification losses own their class weights as parameters. */
export interface Loss<V = unknown> {
  /** Trainable parameters owned by the loss (e.g. AAM class centres). */
  parameters(): V[];
  /** Scalar loss on the tape. */
  forward(input: LossInput<V>): V;
}

/** Shape facts a loss needs at creation. */
export interface LossShape {
  /** Embedding dimension. */
  readonly dim: number;
  /** Number of classes for classification losses. */
  readonly numClasses?: number;
  /** Seed for weight initialisation. */
  readonly seed?: number;
}

/** A loss plugin definition; `create` gets the config, shape facts are given via config fields. */
export type LossPlugin<C extends object = object, V = unknown> = PluginDefinition<"loss", C, Loss<V>>;
