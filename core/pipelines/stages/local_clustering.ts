/**
 * Stage `cluster-local` of the overlap-aware recipe: the local speakers' embeddings (optionally centred on
 * the recording's mean) clustered by pyannote's AgglomerativeClustering (threshold, linkage, minimum
 * cluster size, forced counts) and assigned back with the cannot-link constraint (core/diarization/
 * segmentation/clustering.ts). Returns the `[C x K]` hard clusters and the rows that were clustered.
 * @module
 */
import type { Region } from "../../contracts/vad.ts";
import {
  clusterLocalEmbeddings,
  type LocalEmbeddings,
  setNumClusters,
} from "../../diarization/segmentation/mod.ts";
import type { Matrix } from "../../matrix.ts";
import type { Run } from "./context.ts";
import type { Segmentation } from "./segmentation.ts";

/** Settings of the local clustering. */
export interface LocalClusteringSettings {
  readonly method: "centroid" | "average" | "ward" | "complete" | "single";
  readonly threshold: number;
  readonly minClusterSize: number;
  readonly constrained: boolean;
  readonly numSpeakers: number | null;
  readonly minSpeakers: number | null;
  readonly maxSpeakers: number | null;
}

/** What the stage returns. */
export interface LocalClustering {
  /** `[C x K]` global speaker per local speaker, -2 for none. */
  readonly hard: Int32Array;
  readonly numClusters: number;
  /** The embeddings clustered (after centring) and the chunk each came from. */
  readonly x: Matrix;
  readonly segments: Region[];
  readonly extra: Record<string, unknown>;
}

/** Subtracts the mean of the finite rows from every finite row. */
function centred(e: LocalEmbeddings): LocalEmbeddings {
  const D = e.dim, rows = e.chunks * e.speakers, mean = new Float64Array(D);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    if (Number.isNaN(e.data[r * D])) continue;
    n++;
    for (let d = 0; d < D; d++) mean[d] += e.data[r * D + d];
  }
  const data = Float32Array.from(e.data);
  if (n) { for (let i = 0; i < data.length; i++) data[i] -= mean[i % D] / n; }
  return { ...e, data };
}

/** Stage `cluster-local`: constrained clustering of `[C x K x D]` local embeddings. */
export function clusterLocal(
  run: Run,
  emb: LocalEmbeddings,
  seg: Segmentation,
  c: LocalClusteringSettings,
  center: boolean,
): Promise<LocalClustering> {
  return run.stages.stage("cluster-local", { config: { ...c, center }, inputs: [emb, seg] }, async () => {
    const e = center ? centred(emb) : emb;
    const r = await clusterLocalEmbeddings(e, seg.scores, {
      ...(c.numSpeakers !== null ? { numClusters: c.numSpeakers } : {}),
      ...(c.minSpeakers !== null ? { minClusters: c.minSpeakers } : {}),
      ...(c.maxSpeakers !== null ? { maxClusters: c.maxSpeakers } : {}),
      constrained: c.constrained,
      cluster: { threshold: c.threshold, method: c.method, minClusterSize: c.minClusterSize },
    });
    const w = seg.scores.window;
    const segments = Array.from(r.train.chunkIdx, (ci) => ({
      start: w.start + ci * w.step,
      end: w.start + ci * w.step + w.duration,
    }));
    const req = setNumClusters(Math.max(1, r.train.x.rows), {
      numClusters: c.numSpeakers ?? undefined,
      minClusters: c.minSpeakers ?? undefined,
      maxClusters: c.maxSpeakers ?? undefined,
    });
    const stoppedBy = req.numClusters !== undefined
      ? `count ${req.numClusters}`
      : `threshold ${c.threshold} (${c.method}), clusters of < ${c.minClusterSize} rows reassigned`;
    return {
      hard: r.hard,
      numClusters: r.numClusters,
      x: r.train.x,
      segments,
      extra: { localSpeakers: r.train.x.rows, numClusters: r.numClusters, stoppedBy, centred: center },
    };
  });
}
