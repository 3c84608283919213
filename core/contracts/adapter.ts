/**
 * Adapter contract: domain adaptation, back-ends and pseudo-labelling. Fit on data, then transform.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { PluginDefinition } from "./base.ts";

/** Embeddings with optional speaker labels and domain ids (e.g. 0 = source, 1 = target). */
export interface AdapterData {
  /** Embeddings, one per row. */
  readonly x: Matrix;
  /** Speaker/class label per row (absent for unlabelled data). */
  readonly labels?: Int32Array;
  /** Domain id per row (e.g. 0 = source, 1 = target). */
  readonly domains?: Int32Array;
}

/** A configured adapter. */
export interface Adapter {
  /** Learns from (labelled or unlabelled) data; `target` is the in-domain set when adapting. */
  fit(data: AdapterData, target?: AdapterData): void | Promise<void>;
  /** Maps embeddings into the adapted space (rows preserved, cols may change). */
  transform(x: Matrix): Matrix;
  /** Back-ends that score (PLDA) expose a pairwise log-likelihood ratio. */
  score?(enroll: Matrix, test: Matrix): Float32Array;
  /** Pseudo-labelling adapters expose their labels (-1 = unlabelled / dropped). */
  labels?(): Int32Array;
  /** Serialisable learned state (for caching stages and reports). */
  state?(): Record<string, unknown>;
}

/** An adapter plugin definition. */
export type AdapterPlugin<C extends object = object> = PluginDefinition<"adapter", C, Adapter>;
