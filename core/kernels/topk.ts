/**
 * Row top-k (topkRows, topkTiled) and top-k mean/std (topkStatsRows, topkStatsTiled, what AS-norm
 * needs) in the distance module's selection kernel: sampled threshold, one branch-free SIMD gather,
 * then a sort of the few hundred candidates only. The tiled forms select each cache-sized tile right
 * after the kernel wrote it.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { align16, sameDims, tiled, type TileMetric, type TileOptions, wasm } from "./distance_tiling.ts";

/** Result of the top-k functions: [rows x k] column indices and values, best first per row. */
export interface TopK {
  indices: Int32Array;
  values: Float32Array;
}

/** Values per tile in the selection paths: ~1 MB, so a tile is still in cache when it is selected. */
const SELECT_TILE_VALUES = 1 << 18;

/**
 * Runs the selection kernel `run(src, rows, outA, outB, scratch)` over row chunks of a JS-side matrix
 * copied into the kernel's memory; `outBytes` is the per-row size of each of the two output areas.
 */
function overRows(
  m: Matrix,
  outBytes: number,
  run: (src: number, rows: number, start: number, outA: number, outB: number, scratch: number) => void,
): void {
  const x = wasm(), n = m.cols;
  const chunk = Math.max(1, Math.min(m.rows, Math.floor(SELECT_TILE_VALUES / Math.max(1, n))));
  const pIn = align16(x.heapBase()), pA = align16(pIn + chunk * n * 4);
  const pB = align16(pA + chunk * outBytes), pS = align16(pB + chunk * outBytes);
  const end = pS + x.selectScratchBytes(n);
  const need = Math.ceil(end / 65536) - x.memory.buffer.byteLength / 65536;
  if (need > 0) x.memory.grow(need);
  const inBuf = new Float32Array(x.memory.buffer, pIn, chunk * n);
  for (let r = 0; r < m.rows; r += chunk) {
    const rows = Math.min(chunk, m.rows - r);
    inBuf.set(m.data.subarray(r * n, (r + rows) * n));
    run(pIn, rows, r, pA, pB, pS);
  }
}

/**
 * Per row, the k largest (or smallest) values and their column indices, best first; ties (including
 * -0 and +0) go to the lower column index, NaNs rank last. k is clamped to the number of columns.
 * Selection runs in the WASM kernel: a sampled threshold, one SIMD pass gathering the candidates,
 * then a stable sort of those candidates only (a few hundred for k = 300 of 5000).
 */
export function topkRows(m: Matrix, k: number, largest = true): TopK {
  const kk = Math.max(0, Math.min(k, m.cols));
  const indices = new Int32Array(m.rows * kk);
  const values = new Float32Array(m.rows * kk);
  if (kk === 0) return { indices, values };
  const x = wasm();
  overRows(m, kk * 4, (src, rows, start, pI, pV, pS) => {
    x.topkRowsK(src, rows, m.cols, m.cols, kk, largest ? 1 : 0, pI, pV, pS);
    const mem = x.memory.buffer;
    indices.set(new Int32Array(mem, pI, rows * kk), start * kk);
    values.set(new Float32Array(mem, pV, rows * kk), start * kk);
  });
  return { indices, values };
}

/** Per-row mean and population standard deviation (float64). */
export interface RowStats {
  mean: Float64Array;
  std: Float64Array;
}

/**
 * Per row, the mean and population standard deviation of its k largest values, accumulated in
 * float64 best first (the same numbers as summing topkRows' values in order); with k >= cols, of all
 * values in column order. This is what AS-norm needs: no indices, no [rows x k] output.
 */
export function topkStatsRows(m: Matrix, k: number): RowStats {
  const mean = new Float64Array(m.rows), std = new Float64Array(m.rows);
  if (m.cols === 0 || k < 1) {
    throw new RangeError(`topkStatsRows: need k >= 1 and at least one column (k ${k}, ${m.cols} columns)`);
  }
  const x = wasm();
  overRows(m, 8, (src, rows, start, pM, pS, pScr) => {
    x.topkStatsRows(src, rows, m.cols, m.cols, k, pM, pS, pScr);
    mean.set(new Float64Array(x.memory.buffer, pM, rows), start);
    std.set(new Float64Array(x.memory.buffer, pS, rows), start);
  });
  return { mean, std };
}

/** Rows per tile for the selection paths (tile kept near {@link SELECT_TILE_VALUES} values). */
function selectTileRows(b: Matrix, opts: TileOptions): number {
  return opts.tileRows ?? Math.max(6, Math.floor(SELECT_TILE_VALUES / Math.max(1, b.rows)));
}

/**
 * Top-k neighbours of every row of `a` among the rows of `b` under `metric` (largest for dot/cosine,
 * smallest for sqeuclidean), tile by tile: never holds the full [a.rows x b.rows] matrix. Same order
 * and ties as {@link topkRows}.
 */
export function topkTiled(
  a: Matrix,
  b: Matrix,
  k: number,
  metric: TileMetric = "cosine",
  opts: TileOptions = {},
): TopK {
  sameDims(a, b, "topkTiled");
  const kk = Math.max(0, Math.min(k, b.rows));
  const indices = new Int32Array(a.rows * kk), values = new Float32Array(a.rows * kk);
  if (kk === 0 || a.rows === 0) return { indices, values };
  const x = wasm(), n = b.rows, largest = metric !== "sqeuclidean";
  const scratch = x.selectScratchBytes(n);
  tiled(
    a,
    b,
    metric,
    (t, r, mem) => {
      if (!mem) return; // d = 0: every score is 0, the clamped top-k is columns 0..k-1
      const pI = mem.extra, pV = align16(pI + t.rows * kk * 4), pS = align16(pV + t.rows * kk * 4);
      x.topkRowsK(mem.tile, t.rows, n, n, kk, largest ? 1 : 0, pI, pV, pS);
      indices.set(new Int32Array(x.memory.buffer, pI, t.rows * kk), r * kk);
      values.set(new Float32Array(x.memory.buffer, pV, t.rows * kk), r * kk);
    },
    { tileRows: selectTileRows(b, opts) },
    (ta) => 2 * align16(ta * kk * 4) + scratch,
  );
  if (a.cols === 0) { for (let i = 0; i < indices.length; i++) indices[i] = i % kk; }
  return { indices, values };
}

/**
 * {@link topkStatsRows} of the [a.rows x b.rows] `metric` matrix (largest values), tile by tile:
 * memory stays at one cache-sized tile, and the selection reads it while it is still in cache.
 */
export function topkStatsTiled(
  a: Matrix,
  b: Matrix,
  k: number,
  metric: "dot" | "cosine" = "cosine",
  opts: TileOptions = {},
): RowStats {
  sameDims(a, b, "topkStatsTiled");
  if (b.rows === 0 || k < 1) {
    throw new RangeError(`topkStatsTiled: need k >= 1 and at least one row in b (k ${k}, ${b.rows} rows)`);
  }
  const mean = new Float64Array(a.rows), std = new Float64Array(a.rows);
  const x = wasm(), n = b.rows;
  const scratch = x.selectScratchBytes(n);
  tiled(
    a,
    b,
    metric,
    (t, r, mem) => {
      if (!mem) return; // d = 0: all scores 0, mean 0, std 0 (already)
      const pM = mem.extra, pS = align16(pM + t.rows * 8), pScr = align16(pS + t.rows * 8);
      x.topkStatsRows(mem.tile, t.rows, n, n, k, pM, pS, pScr);
      mean.set(new Float64Array(x.memory.buffer, pM, t.rows), r);
      std.set(new Float64Array(x.memory.buffer, pS, t.rows), r);
    },
    { tileRows: selectTileRows(b, opts) },
    (ta) => 2 * align16(ta * 8) + scratch,
  );
  return { mean, std };
}
