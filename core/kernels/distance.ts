/**
 * Distance kernels between embedding sets. This is the stable API the clusterers and scorers call;
 * the products run in the WASM SIMD kernel (asm/src/distance.ts: 6x8 register-blocked micro-kernel),
 * tiled over rows of `a` so that large problems (20000 x 20000) never hold more than one tile.
 * Cosine normalises nothing in place: B's rows are scaled to unit norm while they are packed, A's
 * inverse row norms are applied by the kernel as it stores each block. The full-matrix functions
 * copy each ~384 KB tile into the result right after the kernel wrote it (still in cache). The
 * kernel's memory only grows when a call needs more than any call before it.
 * Row top-k and top-k statistics run in the same kernel's selection path (core/kernels/topk.ts, re-exported
 * here); the tiling engine is core/kernels/distance_tiling.ts.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { sameDims, tiled, type TileMetric, type TileOptions } from "./distance_tiling.ts";

export type { TileMetric, TileOptions } from "./distance_tiling.ts";
export { type RowStats, type TopK, topkRows, topkStatsRows, topkStatsTiled, topkTiled } from "./topk.ts";

/** L2-normalises every row in place (zero rows stay zero) and returns the same matrix. */
export function l2NormalizeRows(m: Matrix): Matrix {
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += data[i * cols + j] ** 2;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < cols; j++) data[i * cols + j] *= inv;
    }
  }
  return m;
}

/**
 * Calls `onTile(tile, rowStart)` for consecutive row blocks of the [a.rows x b.rows] matrix of
 * `metric`. The tile's data is a view into the kernel's memory, valid only during the call: copy what
 * you keep, and do not call other distance functions from inside `onTile`. Memory stays at one tile
 * plus b: this is how 20000 x 20000 problems run.
 */
export function forEachTile(
  a: Matrix,
  b: Matrix,
  metric: TileMetric,
  onTile: (tile: Matrix, rowStart: number) => void,
  opts: TileOptions = {},
): void {
  tiled(a, b, metric, (tile, rowStart) => onTile(tile, rowStart), opts);
}

/**
 * Values per tile of the full-matrix functions: ~96K (384 KB), so the copy into the result reads a
 * tile the kernel has just written from cache (24 to 1024 rows of 1024 measured within noise of each
 * other; one 4 MB tile copied at the end was the slowest).
 */
const FULL_TILE_VALUES = 96 * 1024;

function full(a: Matrix, b: Matrix, metric: TileMetric): Matrix {
  const out = new Float32Array(a.rows * b.rows);
  forEachTile(a, b, metric, (t, r) => out.set(t.data, r * b.rows), {
    // at least 48 rows: each tile streams all of B's panels once, so short tiles against a large b
    // would be bound by that traffic instead of the multiply-adds
    tileRows: Math.max(48, Math.floor(FULL_TILE_VALUES / Math.max(1, b.rows))),
  });
  return { rows: a.rows, cols: b.rows, data: out };
}

/** `a @ b.T`: [a.rows x b.rows] dot products. */
export function dotMatrix(a: Matrix, b: Matrix): Matrix {
  sameDims(a, b, "dotMatrix");
  return full(a, b, "dot");
}

/** Cosine similarity matrix [a.rows x b.rows] (inputs are not modified). */
export function cosineMatrix(a: Matrix, b: Matrix): Matrix {
  sameDims(a, b, "cosineMatrix");
  return full(a, b, "cosine");
}

/** Squared Euclidean distance matrix [a.rows x b.rows] (direct sum of squared differences). */
export function sqEuclideanMatrix(a: Matrix, b: Matrix): Matrix {
  sameDims(a, b, "sqEuclideanMatrix");
  return full(a, b, "sqeuclidean");
}

/** Distance metrics for the condensed form. */
export type PdistMetric = "cosine" | "euclidean" | "sqeuclidean";

/**
 * Condensed pairwise distances as scipy.spatial.distance.pdist orders them:
 * entry for (i, j), i < j, at n*i - i*(i+1)/2 + (j - i - 1). Cosine distance = 1 - cos.
 * Computed tile by tile: memory is the output plus one tile.
 */
export function pdist(x: Matrix, metric: PdistMetric = "euclidean"): Float32Array {
  const n = x.rows;
  const out = new Float32Array((n * (n - 1)) / 2);
  forEachTile(x, x, metric === "cosine" ? "cosine" : "sqeuclidean", (t, r) => {
    for (let ii = 0; ii < t.rows; ii++) {
      const i = r + ii;
      let p = n * i - (i * (i + 1)) / 2;
      for (let j = i + 1; j < n; j++) {
        const v = t.data[ii * n + j];
        out[p++] = metric === "cosine" ? 1 - v : metric === "euclidean" ? Math.sqrt(Math.max(0, v)) : v;
      }
    }
  });
  return out;
}
