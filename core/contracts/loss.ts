/**
 * Loss contract: differentiable objectives on the framework's autodiff tape.
 *
 * `V` is the autodiff value type: {@link Tensor} from core/autodiff (the default). It stays a type
 * parameter so a plugin may wrap another tape, but every built-in loss uses Tensor.
 * @module
 */
import type { PluginDefinition } from "./base.ts";
import type { Tensor } from "../autodiff/tensor.ts";

export type { Tensor };

/** What a loss may consume; each loss documents which fields it needs. */
export interface LossInput<V = Tensor> {
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
export interface Loss<V = Tensor> {
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
export type LossPlugin<C extends object = object, V = Tensor> = PluginDefinition<"loss", C, Loss<V>>;
