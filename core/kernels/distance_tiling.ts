/**
 * The tiling engine under the distance kernels: the WASM instance (asm/src/distance.ts, a 6x8
 * register-blocked micro-kernel and the row-selection kernel), and {@link tiled}, which packs B's panels
 * once and runs the product over row tiles of A, reserving extra room for a caller's own kernels. The
 * kernel's memory only grows when a call needs more than any call before it.
 * @module
 */
import { WASM_BASE64 } from "../../asm/build/distance_wasm.ts";
import type { Matrix } from "../matrix.ts";
import { wasmModule } from "./wasm.ts";

/** The distance module's WASM exports. */
export interface DistanceExports {
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
/** The shared instance of the distance kernel (created on first use). */
export function wasm(): DistanceExports {
  if (!kernel) {
    kernel = new WebAssembly.Instance(wasmModule("distance", WASM_BASE64), {})
      .exports as unknown as DistanceExports;
  }
  return kernel;
}

/** Throws unless both embedding sets have the same dimension. */
export function sameDims(a: Matrix, b: Matrix, op: string): void {
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

/** Rounds a byte offset up to 16 bytes. */
export const align16 = (p: number) => (p + 15) & ~15;

/** Where a tile and the extra area reserved by {@link tiled}'s caller sit in the kernel's memory. */
export interface TileMemory {
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
export function tiled(
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
