/**
 * Distance kernels between embedding sets. This is the stable API the clusterers and scorers call;
 * the products run in the WASM SIMD kernel (asm/src/distance.ts: 6x8 register-blocked micro-kernel),
 * tiled over rows of `a` so that large problems (20000 x 20000) never hold more than one tile.
 * Cosine normalises nothing in place: B's rows are scaled to unit norm while they are packed, A's
 * inverse row norms are applied by the kernel as it stores each block. The full-matrix functions
 * copy each ~384 KB tile into the result right after the kernel wrote it (still in cache). The
 * kernel's memory only grows when a call needs more than any call before it.
 * Row top-k (topkRows, topkTiled) and top-k mean/std (topkStatsRows, topkStatsTiled, what AS-norm
 * needs) run in the same module's selection kernel: sampled threshold, one branch-free SIMD gather,
 * then a sort of the few hundred candidates only. The tiled forms select each cache-sized tile right
 * after the kernel wrote it.
 * @module
 */
import { WASM_BASE64 } from "../../asm/build/distance_wasm.ts";
import type { Matrix } from "../matrix.ts";
import { wasmModule } from "./wasm.ts";

interface DistanceExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  dotBlock(
    a: number,
    na: number,
    bp: number,
    nb: number,
    d: number,
    out: number,
    ldo: number,
    sa: number,
  ): void;
  sqdistBlock(a: number, na: number, bp: number, nb: number, d: number, out: number, ldo: number): void;
  rowInvNorms(x: number, n: number, d: number, dst: number): void;
  packPanels(
    src: number,
    nb: number,
    d: number,
    dst: number,
    normalize: boolean | number,
    scratch: number,
  ): void;
  selectScratchBytes(n: number): number;
  topkRowsK(
    src: number,
    rows: number,
    n: number,
    ld: number,
    k: number,
    largest: boolean | number,
    outIdx: number,
    outVal: number,
    scratch: number,
  ): void;
  topkStatsRows(
    src: number,
    rows: number,
    n: number,
    ld: number,
    k: number,
    outMean: number,
    outStd: number,
    scratch: number,
  ): void;
}

let kernel: DistanceExports | undefined;
function wasm(): DistanceExports {
  if (!kernel) {
    kernel = new WebAssembly.Instance(wasmModule("distance", WASM_BASE64), {})
      .exports as unknown as DistanceExports;
  }
  return kernel;
}

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

function sameDims(a: Matrix, b: Matrix, op: string): void {
  if (a.cols !== b.cols) {
    throw new RangeError(
      `${op}: embedding dims differ (${a.cols} vs ${b.cols}); both sets must come from the same backbone`,
    );
  }
}

/** Which product a tile holds. */
export type TileMetric = "dot" | "cosine" | "sqeuclidean";

/** Options of forEachTile. */
export interface TileOptions {
  /**
   * Rows of `a` per tile, rounded up to a multiple of the micro-kernel's rows (6; 4 for sqeuclidean).
   * Default keeps a tile near 4M values (16 MB).
   */
  tileRows?: number;
}

const align16 = (p: number) => (p + 15) & ~15;

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

/** Where a tile and the extra area reserved by {@link tiled}'s caller sit in the kernel's memory. */
interface TileMemory {
  /** Byte offset of the tile ([rows x b.rows] f32, row stride b.rows). */
  tile: number;
  /** Byte offset of `extra(tileRows)` bytes the caller may use (16-byte aligned). */
  extra: number;
}

/**
 * forEachTile plus room for the caller's own kernels: `extra(tileRows)` bytes after the tile, reserved
 * before the loop (growing memory inside the loop would detach the views). Empty inputs give
 * `mem` = undefined and a JS-side tile.
 */
function tiled(
  a: Matrix,
  b: Matrix,
  metric: TileMetric,
  onTile: (tile: Matrix, rowStart: number, mem?: TileMemory) => void,
  opts: TileOptions = {},
  extra: (tileRows: number) => number = () => 0,
): void {
  sameDims(a, b, metric);
  const d = a.cols, nb = b.rows;
  if (a.rows === 0) return;
  if (nb === 0 || d === 0) {
    onTile({ rows: a.rows, cols: nb, data: new Float32Array(a.rows * nb) }, 0);
    return;
  }
  const cos = metric === "cosine";
  const x = wasm();
  const mp = Math.ceil(nb / 8) * 8;
  const R = metric === "sqeuclidean" ? 4 : 6; // micro-kernel rows: tiles are padded to a multiple
  let ta = opts.tileRows ?? Math.max(12, Math.floor(4_000_000 / mp));
  ta = Math.max(R, Math.ceil(Math.min(ta, a.rows) / R) * R);
  const base = align16(x.heapBase());
  // B is staged row-major at pOut (the output area is at least as large) and packed into pBT. pS holds
  // the inverse row norms: B's while packing, then each tile's rows of A (cosine only). The layout is
  // reserved up front; memory only grows when a call needs more than any call before it.
  const pBT = base, pS = align16(pBT + d * mp * 4), pA = align16(pS + Math.max(nb, ta) * 4);
  const pOut = align16(pA + ta * d * 4);
  const pExtra = align16(pOut + Math.max(ta * nb, nb * d) * 4);
  const end = pExtra + extra(ta);
  const need = Math.ceil(end / 65536) - x.memory.buffer.byteLength / 65536;
  if (need > 0) x.memory.grow(need);
  const mem = x.memory.buffer;
  new Float32Array(mem, pOut, nb * d).set(b.data.subarray(0, nb * d));
  x.packPanels(pOut, nb, d, pBT, cos ? 1 : 0, pS);
  const aBuf = new Float32Array(mem, pA, ta * d);
  const outBuf = new Float32Array(mem, pOut, ta * nb);
  const where = { tile: pOut, extra: pExtra };
  for (let r = 0; r < a.rows; r += ta) {
    const rows = Math.min(ta, a.rows - r), padded = Math.ceil(rows / R) * R;
    aBuf.set(a.data.subarray(r * d, (r + rows) * d));
    if (padded > rows) aBuf.fill(0, rows * d, padded * d);
    if (metric === "sqeuclidean") x.sqdistBlock(pA, padded, pBT, nb, d, pOut, nb);
    else if (!cos) x.dotBlock(pA, padded, pBT, nb, d, pOut, nb, 0);
    else {
      // cos = (a . b/|b|) / |a|: A's inverse norms are applied as the kernel stores each block (rows
      // with extreme norms are normalised in place by rowInvNorms and get scale 1)
      x.rowInvNorms(pA, padded, d, pS);
      x.dotBlock(pA, padded, pBT, nb, d, pOut, nb, pS);
    }
    onTile({ rows, cols: nb, data: outBuf.subarray(0, rows * nb) }, r, where);
  }
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
