/**
 * Distance kernels between embedding sets. This is the stable API the clusterers and scorers call;
 * the products run in the WASM SIMD kernel (asm/src/distance.ts: 4x8 register-blocked micro-kernel),
 * tiled over rows of `a` so that large problems (20000 x 20000) never hold more than one tile.
 * @module
 */
import { WASM_BASE64 } from "../../asm/build/distance_wasm.ts";
import type { Matrix } from "../matrix.ts";
import { wasmModule } from "./wasm.ts";

interface DistanceExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  dotBlock(a: number, na: number, bp: number, nb: number, d: number, out: number, ldo: number): void;
  sqdistBlock(a: number, na: number, bp: number, nb: number, d: number, out: number, ldo: number): void;
  l2normRows(x: number, n: number, d: number): void;
  packPanels(src: number, nb: number, d: number, dst: number, normalize: boolean | number): void;
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
  // B is staged row-major at pOut (the output area is at least as large) and packed into pBT.
  const pBT = base, pA = align16(pBT + d * mp * 4), pOut = align16(pA + ta * d * 4);
  const end = pOut + Math.max(ta * nb, nb * d) * 4;
  const need = Math.ceil(end / 65536) - x.memory.buffer.byteLength / 65536;
  if (need > 0) x.memory.grow(need);
  const mem = x.memory.buffer;
  new Float32Array(mem, pOut, nb * d).set(b.data.subarray(0, nb * d));
  x.packPanels(pOut, nb, d, pBT, cos ? 1 : 0);
  const aBuf = new Float32Array(mem, pA, ta * d);
  const outBuf = new Float32Array(mem, pOut, ta * nb);
  const fn = metric === "sqeuclidean" ? x.sqdistBlock : x.dotBlock;
  for (let r = 0; r < a.rows; r += ta) {
    const rows = Math.min(ta, a.rows - r), padded = Math.ceil(rows / R) * R;
    aBuf.set(a.data.subarray(r * d, (r + rows) * d));
    if (padded > rows) aBuf.fill(0, rows * d, padded * d);
    if (cos) x.l2normRows(pA, rows, d);
    fn(pA, padded, pBT, nb, d, pOut, nb);
    onTile({ rows, cols: nb, data: outBuf.subarray(0, rows * nb) }, r);
  }
}

function full(a: Matrix, b: Matrix, metric: TileMetric): Matrix {
  const out = new Float32Array(a.rows * b.rows);
  forEachTile(a, b, metric, (t, r) => out.set(t.data, r * b.rows));
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

/** Writes the k best of `r` into indices/values at `o`, best first (ties: lower index first). */
function selectTopk(
  r: Float32Array,
  k: number,
  largest: boolean,
  indices: Int32Array,
  values: Float32Array,
  o: number,
): void {
  // Sorted insertion into a k-buffer: O(n k) worst case but O(n) typical for small k.
  let filled = 0;
  const better = (x: number, y: number) => (largest ? x > y : x < y);
  for (let j = 0; j < r.length; j++) {
    const v = r[j];
    if (filled === k && !better(v, values[o + k - 1])) continue;
    let p = filled < k ? filled++ : k - 1;
    while (p > 0 && better(v, values[o + p - 1])) {
      values[o + p] = values[o + p - 1];
      indices[o + p] = indices[o + p - 1];
      p--;
    }
    values[o + p] = v;
    indices[o + p] = j;
  }
}

/** Per row, the k largest (or smallest) values and their column indices, best first. */
export function topkRows(
  m: Matrix,
  k: number,
  largest = true,
): { indices: Int32Array; values: Float32Array } {
  const kk = Math.max(0, Math.min(k, m.cols));
  const indices = new Int32Array(m.rows * kk);
  const values = new Float32Array(m.rows * kk);
  if (kk === 0) return { indices, values };
  for (let i = 0; i < m.rows; i++) {
    selectTopk(m.data.subarray(i * m.cols, (i + 1) * m.cols), kk, largest, indices, values, i * kk);
  }
  return { indices, values };
}

/**
 * Top-k neighbours of every row of `a` among the rows of `b` under `metric` (largest for dot/cosine,
 * smallest for sqeuclidean), tile by tile: never holds the full [a.rows x b.rows] matrix.
 */
export function topkTiled(
  a: Matrix,
  b: Matrix,
  k: number,
  metric: TileMetric = "cosine",
  opts: TileOptions = {},
): { indices: Int32Array; values: Float32Array } {
  const kk = Math.max(0, Math.min(k, b.rows));
  const indices = new Int32Array(a.rows * kk), values = new Float32Array(a.rows * kk);
  if (kk === 0) return { indices, values };
  forEachTile(a, b, metric, (t, r) => {
    for (let i = 0; i < t.rows; i++) {
      selectTopk(
        t.data.subarray(i * t.cols, (i + 1) * t.cols),
        kk,
        metric !== "sqeuclidean",
        indices,
        values,
        (r + i) * kk,
      );
    }
  }, opts);
  return { indices, values };
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
