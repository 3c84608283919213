/**
 * Clusterer contract: embeddings in, labels (and whatever the method naturally gives) out.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import type { PluginDefinition } from "./base.ts";

/** What the caller knows about the wanted partition; every field optional. */
export interface ClusterRequest {
  /** Exact number of clusters wanted (oracle number of speakers). */
  readonly numClusters?: number;
  /** Lower bound when the method chooses the number itself. */
  readonly minClusters?: number;
  /** Upper bound when the method chooses the number itself. */
  readonly maxClusters?: number;
  /** Seed for any randomness (recorded in `extra.seed`). */
  readonly seed?: number;
}

/** Labels are 0..numClusters-1, one per input row. */
export interface ClusterResult {
  /** Cluster id per input row, 0..numClusters-1. */
  readonly labels: Int32Array;
  /** Number of clusters found or requested. */
  readonly numClusters: number;
  /** Method-specific outputs: linkage matrix, partitions, centroids, chosen K, seed... */
  readonly extra?: Record<string, unknown>;
}

/** A configured clusterer. */
export interface Clusterer {
  /** Partitions the rows of `x`. */
  cluster(x: Matrix, request?: ClusterRequest): ClusterResult | Promise<ClusterResult>;
}

/** A clusterer plugin definition. */
export type ClustererPlugin<C extends object = object> = PluginDefinition<"clusterer", C, Clusterer>;
