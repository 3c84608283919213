/**
 * Spectral clustering with NME-SC auto-tuning (Park, Han, Kumar, Narayanan, "Auto-Tuning Spectral
 * Clustering for Speaker Diarization Using Normalized Maximum Eigengap", IEEE SPL 2019):
 *   1. cosine affinity; for each p on a grid, keep the p largest entries per row as 1 (p-pruning,
 *      binarised as in the authors' code), symmetrise (A + A^T) / 2, zero the diagonal;
 *   2. unnormalised Laplacian L = D - A, eigenvalues ascending;
 *   3. normalised maximum eigengap: gap = max_{i < maxSpeakers} (lambda_{i+1} - lambda_i) / lambda_max,
 *      g(p) = (p / n) / gap; p-hat = argmin g; K = the position of the maximum gap + 1, clamped to
 *      [minSpeakers, maxSpeakers] (request.numClusters overrides K);
 *   4. k-means on the K eigenvectors of the smallest eigenvalues.
 * @module
 */
import type { ClustererPlugin, ClusterRequest, ClusterResult } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import { cosineMatrix } from "../../core/kernels/distance.ts";
import { eigh } from "../../core/math/eigh.ts";
import { kmeans } from "../../core/cluster/kmeans.ts";
import { Rng } from "../../core/random.ts";

/** Options of the `spectral` clusterer. */
export interface SpectralConfig {
  /** lower bound on the estimated number of clusters (request.minClusters overrides) */
  minSpeakers: number;
  /** upper bound; eigengaps are searched among the first maxSpeakers (request.maxClusters overrides) */
  maxSpeakers: number;
  /** largest pruning ratio p/n searched */
  maxRp: number;
  /** number of p values on the grid linspace(1, floor(n * maxRp)) */
  pSteps: number;
  /** seed of the final k-means (request.seed overrides) */
  seed: number;
  /** k-means restarts on the spectral embedding */
  nInit: number;
}

const NAME = "clusterer 'spectral'";

/** numpy's round (half to even). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The p grid: unique rounded values of linspace(1, pMax, steps), as the reference does. */
export function pGrid(n: number, maxRp: number, steps: number): number[] {
  const pMax = Math.max(1, Math.floor(n * maxRp));
  const out = new Set<number>();
  for (let i = 0; i < steps; i++) {
    out.add(roundHalfEven(steps === 1 ? 1 : 1 + ((pMax - 1) * i) / (steps - 1)));
  }
  return [...out].sort((a, b) => a - b);
}

/** Laplacian (row-major float64) of the p-pruned, binarised, symmetrised affinity. */
function prunedLaplacian(order: Int32Array, n: number, p: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < p; t++) {
      const j = order[i * n + t];
      a[i * n + j] += 0.5;
      a[j * n + i] += 0.5;
    }
  }
  for (let i = 0; i < n; i++) a[i * n + i] = 0;
  for (let i = 0; i < n; i++) {
    let deg = 0;
    for (let j = 0; j < n; j++) {
      deg += a[i * n + j];
      a[i * n + j] = -a[i * n + j];
    }
    a[i * n + i] = deg;
  }
  return a;
}

/** Position of the largest gap among the first maxSpeakers gaps, and that gap / lambda_max. */
function maxGap(lam: Float64Array, maxSpeakers: number): { k: number; nme: number } {
  let k = 0, best = -Infinity;
  const m = Math.min(maxSpeakers, lam.length - 1);
  for (let i = 0; i < m; i++) {
    const g = lam[i + 1] - lam[i];
    if (g > best) (best = g), (k = i);
  }
  return { k: k + 1, nme: best / (lam[lam.length - 1] + 1e-10) };
}

/** `spectral` clusterer plugin. */
export const spectralClusterer: ClustererPlugin<SpectralConfig> = {
  kind: "clusterer",
  name: "spectral",
  description: "spectral clustering with NME-SC auto-tuning (p-pruning + normalised maximum eigengap)",
  defaults: { minSpeakers: 1, maxSpeakers: 8, maxRp: 0.25, pSteps: 20, seed: 0, nInit: 10 },
  options: {
    minSpeakers: "lower bound on the estimated number of clusters (request.minClusters overrides)",
    maxSpeakers:
      "upper bound; eigengaps are searched among the first maxSpeakers (request.maxClusters overrides)",
    maxRp: "largest pruning ratio p/n searched",
    pSteps: "number of p values on the grid linspace(1, floor(n * maxRp))",
    seed: "seed of the final k-means (request.seed overrides)",
    nInit: "k-means restarts on the spectral embedding",
  },
  validate(c) {
    check.integer(NAME, "minSpeakers", c.minSpeakers, 1);
    check.integer(NAME, "maxSpeakers", c.maxSpeakers, 1);
    if (c.minSpeakers > c.maxSpeakers) {
      throw new ConfigError(NAME, `minSpeakers (${c.minSpeakers}) must be <= maxSpeakers (${c.maxSpeakers})`);
    }
    check.range(NAME, "maxRp", c.maxRp, 1e-6, 1);
    check.integer(NAME, "pSteps", c.pSteps, 1, 10000);
    check.integer(NAME, "seed", c.seed, 0, 2 ** 32 - 1);
    check.integer(NAME, "nInit", c.nInit, 1, 1000);
  },
  create(c) {
    return {
      cluster(x: Matrix, req: ClusterRequest = {}): ClusterResult {
        assertFinite(x, NAME);
        const n = x.rows;
        const seed = req.seed ?? c.seed;
        if (n === 0) return { labels: new Int32Array(0), numClusters: 0, extra: { seed } };
        if (n === 1) return { labels: new Int32Array(1), numClusters: 1, extra: { seed } };
        const minK = req.minClusters ?? c.minSpeakers;
        const maxK = Math.min(n - 1, req.maxClusters ?? c.maxSpeakers);
        const sim = cosineMatrix(x, x).data;
        // per row, column order by decreasing similarity (stable: ties by index)
        const order = new Int32Array(n * n);
        const idx = Array.from({ length: n }, (_, j) => j);
        for (let i = 0; i < n; i++) {
          const r = sim.subarray(i * n, (i + 1) * n);
          const o = idx.slice().sort((a, b) => r[b] - r[a] || a - b);
          order.set(o, i * n);
        }
        const ps = pGrid(n, c.maxRp, c.pSteps);
        let bestP = ps[0], bestG = Infinity;
        const scores: number[] = [];
        for (const p of ps) {
          const lam = eigh(prunedLaplacian(order, n, p), n, { vectors: false }).values;
          const g = (p / n) / (maxGap(lam, maxK).nme + 1e-10);
          scores.push(g);
          if (g < bestG) (bestG = g), (bestP = p);
        }
        const { values, vectors } = eigh(prunedLaplacian(order, n, bestP), n);
        const est = maxGap(values, maxK).k;
        const k = Math.min(n, req.numClusters ?? Math.max(minK, Math.min(maxK, est)));
        const emb = new Float32Array(n * k);
        for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) emb[i * k + j] = vectors![i * n + j];
        const fit = kmeans({ rows: n, cols: k, data: emb }, {
          k,
          metric: "euclidean",
          nInit: c.nInit,
          maxIter: 300,
          tol: 1e-4,
        }, new Rng(seed));
        return {
          labels: fit.labels,
          numClusters: k,
          extra: {
            p: bestP,
            estimatedK: est,
            pGrid: ps,
            gScores: scores,
            eigenvalues: values.slice(0, maxK + 1),
            seed,
          },
        };
      },
    };
  },
};
