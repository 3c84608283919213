/**
 * Clustering stage: a clusterer from the run's registry partitions embeddings; its scalar extras
 * (chosen K, threshold used, seed) are kept, its arrays (linkage matrices) are not cached.
 * @module
 */
import type { ClusterRequest } from "../../contracts/clusterer.ts";
import type { Matrix } from "../../matrix.ts";
import { create, pluginKey, type Resolved, type Run } from "./context.ts";

/** A partition and the clusterer's scalar facts. */
export interface Clustering {
  /** Cluster per row, 0..numClusters-1. */
  readonly labels: Int32Array;
  /** Clusters found or requested. */
  readonly numClusters: number;
  /** Scalar extras (stoppedBy, estimatedK, seed...). */
  readonly extra: Record<string, unknown>;
}

/** Stage `cluster-<label>`: the rows of `x` partitioned by `clusterer` under `request` (seeded by the stage). */
export function clusterRows(
  run: Run,
  x: Matrix,
  clusterer: Resolved<"clusterer">,
  request: Omit<ClusterRequest, "seed">,
  stage = `cluster-${clusterer.label}`,
): Promise<Clustering> {
  return run.stages.stage(stage, {
    config: { clusterer: pluginKey(clusterer), request },
    inputs: [x],
  }, async (ctx) => {
    const c = await create(run, clusterer);
    const out = await c.cluster(x, { ...request, seed: ctx.seed });
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out.extra ?? {})) {
      if (typeof v !== "object" || v === null) extra[k] = v;
    }
    return { labels: out.labels, numClusters: out.numClusters, extra };
  });
}
