/**
 * Clustering of local speaker embeddings with the cannot-link constraint, as pyannote.audio's
 * pipelines/clustering.py (BaseClustering + AgglomerativeClustering):
 *
 * 1. `filterEmbeddings`: keep (chunk, local speaker) pairs that are active and have a finite embedding;
 * 2. `pyannoteAhc`: AHC (scipy linkage; centroid/median/ward on unit-normalised rows with Euclidean
 *    distances, other linkages on cosine) cut at `threshold` (fcluster "distance", <=), with pyannote's
 *    min_cluster_size rule (small clusters re-assigned to the closest large centroid) and its search of
 *    the dendrogram for a target number of clusters when min/max/num clusters force one;
 * 3. `assignEmbeddings`: centroids = mean of the training embeddings per cluster; every (chunk, local
 *    speaker) scores 2 - cosine distance to each centroid; with `constrained`, each chunk's local
 *    speakers get distinct clusters by a maximum-weight assignment (Hungarian; scipy's
 *    linear_sum_assignment(maximize=True)): two local speakers of one chunk are different people.
 *    Local speakers left without a cluster (more speakers than clusters) get -2.
 *
 * `clusterLocalEmbeddings` runs the three with pyannote's AHC or with any clusterer (e.g. a registry
 * plugin) as step 2. Shapes: embeddings `[C x K x D]`, hard clusters `[C x K]`, soft `[C x K x M]`.
 * @module
 */
import type { Matrix } from "../../matrix.ts";
import { cutAtThreshold, type Linkage, linkage as scipyLinkage } from "../../cluster/linkage.ts";
import { condensedDistances } from "../../cluster/ahc_options.ts";
import { maxWeightAssignment } from "../../math/hungarian.ts";
import { type ChunkScores, rint } from "./sliding.ts";

/** Local embeddings: `[C x K x D]` row-major, NaN rows for speakers without an embedding. */
export interface LocalEmbeddings {
  readonly data: Float32Array;
  readonly chunks: number;
  readonly speakers: number;
  readonly dim: number;
}

/** The training set of step 1: rows of `x` come from (chunkIdx[i], speakerIdx[i]). */
export interface FilteredEmbeddings {
  readonly x: Matrix;
  readonly chunkIdx: Int32Array;
  readonly speakerIdx: Int32Array;
}

/** Active (some frame > 0 in `binarized` `[C x F x K]`) and finite embeddings, in (chunk, speaker) order. */
export function filterEmbeddings(emb: LocalEmbeddings, binarized: ChunkScores): FilteredEmbeddings {
  const { chunks: C, speakers: K, dim: D } = emb;
  if (binarized.chunks !== C || binarized.classes !== K) {
    throw new RangeError(
      `filterEmbeddings: embeddings are [${C} x ${K}], segmentations [${binarized.chunks} x ${binarized.classes}]`,
    );
  }
  const ci: number[] = [], si: number[] = [];
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < K; k++) {
      let act = false;
      for (let f = 0; f < binarized.frames && !act; f++) {
        act = binarized.data[(c * binarized.frames + f) * K + k] > 0;
      }
      let ok = true;
      for (let d = 0; d < D && ok; d++) ok = !Number.isNaN(emb.data[(c * K + k) * D + d]);
      if (act && ok) ci.push(c), si.push(k);
    }
  }
  const x = new Float32Array(ci.length * D);
  ci.forEach((c, i) => x.set(emb.data.subarray((c * K + si[i]) * D, (c * K + si[i] + 1) * D), i * D));
  return {
    x: { rows: ci.length, cols: D, data: x },
    chunkIdx: Int32Array.from(ci),
    speakerIdx: Int32Array.from(si),
  };
}

/** pyannote's set_num_clusters: clamp the requested counts to [1, numEmbeddings]; min == max fixes the count. */
export function setNumClusters(
  numEmbeddings: number,
  req: { numClusters?: number; minClusters?: number; maxClusters?: number } = {},
): { numClusters?: number; minClusters: number; maxClusters: number } {
  let min = req.numClusters ?? req.minClusters ?? 1;
  min = Math.max(1, Math.min(numEmbeddings, min));
  let max = req.numClusters ?? req.maxClusters ?? numEmbeddings;
  max = Math.max(1, Math.min(numEmbeddings, max));
  if (min > max) throw new RangeError(`minClusters (${min}) must be <= maxClusters (${max})`);
  return { numClusters: min === max ? min : req.numClusters, minClusters: min, maxClusters: max };
}

/** Hyper-parameters of pyannote's AgglomerativeClustering (speaker-diarization-3.1: centroid, 0.7046, 12). */
export interface PyannoteAhcOptions {
  readonly threshold: number;
  readonly method?: Linkage;
  readonly minClusterSize?: number;
  readonly metric?: "cosine" | "euclidean";
}

function unitRows(x: Matrix): Matrix {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let d = 0; d < x.cols; d++) s += x.data[i * x.cols + d] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < x.cols; d++) out[i * x.cols + d] = x.data[i * x.cols + d] * inv;
  }
  return { rows: x.rows, cols: x.cols, data: out };
}

/** scipy cdist(a, b, metric) in float64: `[a.rows x b.rows]`. NaN rows give NaN distances. */
export function cdist(a: Matrix, b: Matrix, metric: "cosine" | "euclidean" = "cosine"): Float64Array {
  const D = a.cols, out = new Float64Array(a.rows * b.rows);
  const norm = (m: Matrix, i: number) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += m.data[i * D + d] ** 2;
    return Math.sqrt(s);
  };
  const nb = Float64Array.from({ length: b.rows }, (_, j) => norm(b, j));
  for (let i = 0; i < a.rows; i++) {
    const na = norm(a, i);
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      if (metric === "cosine") {
        for (let d = 0; d < D; d++) s += a.data[i * D + d] * b.data[j * D + d];
        out[i * b.rows + j] = 1 - s / (na * nb[j]);
      } else {
        for (let d = 0; d < D; d++) s += (a.data[i * D + d] - b.data[j * D + d]) ** 2;
        out[i * b.rows + j] = Math.sqrt(s);
      }
    }
  }
  return out;
}

function counts(labels: Int32Array): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

function means(x: Matrix, labels: Int32Array, ids: number[]): Matrix {
  const D = x.cols, out = new Float32Array(ids.length * D);
  ids.forEach((id, r) => {
    const acc = new Float64Array(D);
    let n = 0;
    for (let i = 0; i < x.rows; i++) {
      if (labels[i] !== id) continue;
      n++;
      for (let d = 0; d < D; d++) acc[d] += x.data[i * D + d];
    }
    for (let d = 0; d < D; d++) out[r * D + d] = acc[d] / n;
  });
  return { rows: ids.length, cols: D, data: out };
}

/** pyannote's AgglomerativeClustering.cluster: labels 0..k-1 for the rows of `x`. */
export function pyannoteAhc(
  x: Matrix,
  minClusters: number,
  maxClusters: number,
  numClusters: number | undefined,
  o: PyannoteAhcOptions,
): Int32Array {
  const n = x.rows, method = o.method ?? "centroid", metric = o.metric ?? "cosine";
  const minSize = Math.min(o.minClusterSize ?? 12, Math.max(1, rint(0.1 * n)));
  if (n === 1) return new Int32Array(1);
  const euclid = metric === "cosine" && (method === "centroid" || method === "median" || method === "ward");
  const xx = euclid ? unitRows(x) : x;
  const z = scipyLinkage(condensedDistances(xx, euclid ? "euclidean" : metric), n, method);
  let clusters = cutAtThreshold(z, n, o.threshold, true);
  let cnt = counts(clusters);
  let large = [...cnt].filter(([, c]) => c >= minSize).map(([l]) => l).sort((a, b) => a - b);
  let target = numClusters;
  if (large.length < minClusters) target = minClusters;
  else if (large.length > maxClusters) target = maxClusters;
  if (target !== undefined && large.length !== target) {
    const zi = Float64Array.from(z);
    for (let k = 0; k < n - 1; k++) zi[4 * k + 2] = k;
    const order = Array.from({ length: n - 1 }, (_, k) => k)
      .sort((a, b) => Math.abs(z[4 * a + 2] - o.threshold) - Math.abs(z[4 * b + 2] - o.threshold) || a - b);
    let bestIt = n - 1, bestLarge = 1;
    const largeAt = (it: number) => {
      const lab = cutAtThreshold(zi, n, it, true);
      const cn = counts(lab);
      return {
        lab,
        cn,
        large: [...cn].filter(([, c]) => c >= minSize).map(([l]) => l).sort((a, b) => a - b),
      };
    };
    for (const it of order) {
      if (zi[4 * it + 3] < minSize) continue;
      const r = largeAt(it);
      ({ lab: clusters, cn: cnt, large } = r); // pyannote keeps the last evaluated cut
      if (Math.abs(r.large.length - target) < Math.abs(bestLarge - target)) {
        bestIt = it;
        bestLarge = r.large.length;
      }
      if (r.large.length === target) break;
    }
    if (bestLarge !== target) ({ lab: clusters, cn: cnt, large } = largeAt(bestIt));
  }
  if (large.length === 0) return new Int32Array(n);
  const small = [...cnt].filter(([, c]) => c < minSize).map(([l]) => l).sort((a, b) => a - b);
  if (small.length) {
    const d = cdist(means(xx, clusters, large), means(xx, clusters, small), metric);
    small.forEach((s, j) => {
      let best = 0;
      for (let i = 1; i < large.length; i++) {
        if (d[i * small.length + j] < d[best * small.length + j]) best = i;
      }
      for (let r = 0; r < n; r++) if (clusters[r] === s) clusters[r] = large[best];
    });
  }
  const uniq = [...new Set(clusters)].sort((a, b) => a - b);
  const remap = new Map(uniq.map((l, i) => [l, i]));
  return Int32Array.from(clusters, (l) => remap.get(l)!);
}

/** Hard and soft assignments of every (chunk, local speaker) to the clusters of the training rows. */
export interface Assignment {
  /** `[C x K]`: cluster per local speaker, -2 when none (constrained, more speakers than clusters). */
  readonly hard: Int32Array;
  /** `[C x K x M]`: 2 - distance to each centroid (NaN for speakers without an embedding). */
  readonly soft: Float64Array;
  /** `[M x D]` centroids (means of the training embeddings). */
  readonly centroids: Matrix;
  readonly numClusters: number;
}

/** pyannote's constrained_argmax: per chunk, a maximum-weight matching of local speakers to clusters. */
export function constrainedArgmax(soft: Float64Array, C: number, K: number, M: number): Int32Array {
  let min = Infinity;
  for (const v of soft) if (!Number.isNaN(v) && v < min) min = v;
  const hard = new Int32Array(C * K).fill(-2);
  for (let c = 0; c < C; c++) {
    const w = new Float64Array(K * M);
    for (let i = 0; i < K * M; i++) w[i] = Number.isNaN(soft[c * K * M + i]) ? min : soft[c * K * M + i];
    const a = maxWeightAssignment(w, K, M);
    a.rowInd.forEach((s, i) => (hard[c * K + s] = a.colInd[i]));
  }
  return hard;
}

/** pyannote's assign_embeddings (metric cosine by default). */
export function assignEmbeddings(
  emb: LocalEmbeddings,
  train: FilteredEmbeddings,
  trainClusters: Int32Array,
  o: { constrained?: boolean; metric?: "cosine" | "euclidean" } = {},
): Assignment {
  const { chunks: C, speakers: K, dim: D } = emb;
  let M = 0;
  for (const l of trainClusters) M = Math.max(M, l + 1);
  const centroids = means(train.x, trainClusters, Array.from({ length: M }, (_, k) => k));
  const dist = cdist({ rows: C * K, cols: D, data: emb.data }, centroids, o.metric ?? "cosine");
  const soft = Float64Array.from(dist, (d) => 2 - d);
  let hard: Int32Array;
  if (o.constrained) hard = constrainedArgmax(soft, C, K, M);
  else {
    hard = new Int32Array(C * K);
    for (let i = 0; i < C * K; i++) {
      let best = 0;
      for (let m = 1; m < M; m++) {
        const v = soft[i * M + m], b = soft[i * M + best];
        if (v > b || (Number.isNaN(b) && !Number.isNaN(v))) best = m;
      }
      hard[i] = best;
    }
  }
  return { hard, soft, centroids, numClusters: M };
}

/** Options of {@link clusterLocalEmbeddings}. */
export interface LocalClusteringOptions {
  /** Exact number of speakers, or bounds. */
  readonly numClusters?: number;
  readonly minClusters?: number;
  readonly maxClusters?: number;
  /** Constrained (cannot-link) assignment; default true. */
  readonly constrained?: boolean;
  /** Step 2: pyannote's AHC (these options) or a function labelling the training rows. */
  readonly cluster:
    | PyannoteAhcOptions
    | ((
      x: Matrix,
      req: { numClusters?: number; minClusters: number; maxClusters: number },
    ) => Int32Array | Promise<Int32Array>);
}

/** pyannote's BaseClustering.__call__: filter, cluster, assign. Inactive speakers are left to the caller (-2). */
export async function clusterLocalEmbeddings(
  emb: LocalEmbeddings,
  binarized: ChunkScores,
  o: LocalClusteringOptions,
): Promise<Assignment & { train: FilteredEmbeddings }> {
  const train = filterEmbeddings(emb, binarized);
  const n = train.x.rows;
  if (n === 0) {
    return {
      hard: new Int32Array(emb.chunks * emb.speakers),
      soft: new Float64Array(0),
      centroids: { rows: 0, cols: emb.dim, data: new Float32Array(0) },
      numClusters: 0,
      train,
    };
  }
  const req = setNumClusters(n, o);
  if (req.maxClusters < 2) {
    const c = means(train.x, new Int32Array(n), [0]);
    return {
      hard: new Int32Array(emb.chunks * emb.speakers),
      soft: new Float64Array(emb.chunks * emb.speakers).fill(1),
      centroids: c,
      numClusters: 1,
      train,
    };
  }
  const labels = typeof o.cluster === "function"
    ? await o.cluster(train.x, req)
    : pyannoteAhc(train.x, req.minClusters, req.maxClusters, req.numClusters, o.cluster);
  return { ...assignEmbeddings(emb, train, labels, { constrained: o.constrained ?? true }), train };
}

/** pyannote's `hard_clusters[inactive_speakers] = -2`: local speakers with no active frame get no cluster. */
export function markInactiveSpeakers(hard: Int32Array, binarized: ChunkScores): Int32Array {
  const { chunks: C, frames: F, classes: K } = binarized;
  const out = Int32Array.from(hard);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < K; k++) {
      let act = false;
      for (let f = 0; f < F && !act; f++) act = binarized.data[(c * F + f) * K + k] > 0;
      if (!act) out[c * K + k] = -2;
    }
  }
  return out;
}
