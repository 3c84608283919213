/**
 * Float32 matrix products (row-major) for the autodiff tape. Products large enough to amortise the
 * copy into WASM memory run on the WASM SIMD dot-product kernel of core/kernels/distance.ts
 * (`dotMatrix` = A·Bᵀ, a register-blocked f32x4 micro-kernel); small ones, and every product when
 * the kernel is unavailable, run on the cache-blocked TypeScript loops below. A·B and Aᵀ·B are
 * mapped onto A·Bᵀ by transposing operands (O(n²) against the O(n³) product).
 * @module
 */
import { dotMatrix, forEachTile } from "../kernels/distance.ts";
import { scratch } from "./scratch.ts";
import type { GpuGemmSync } from "../kernels/webgpu_gemm_sync.ts";

/** Products this large go to the WebGPU engine when one is set (Deno's read-back costs ~11 ms a call). */
const GPU_MIN_MACS = 1 << 29;
let gpu: GpuGemmSync | undefined;
/** Routes large products to `selectTrainingDevice(pref, { sync: true }).gemmSync`; undefined = WASM only. */
export function setGpuGemm(g: GpuGemmSync | undefined): void {
  gpu = g;
}

/** Below this many multiply-adds the TypeScript loops win (no copies into WASM memory). */
const WASM_MIN_MACS = 64 * 64 * 64;

let wasmOk: boolean | undefined;
function useWasm(macs: number): boolean {
  if (macs < WASM_MIN_MACS) return false;
  if (wasmOk === undefined) {
    try {
      const r = dotMatrix({ rows: 1, cols: 2, data: Float32Array.of(1, 2) }, {
        rows: 1,
        cols: 2,
        data: Float32Array.of(3, 4),
      });
      wasmOk = r.data[0] === 11;
    } catch {
      wasmOk = false;
    }
  }
  return wasmOk;
}

/**
 * C (+)= A·Bᵀ through the WASM kernel (A [M,K], B [N,K]). Tiles of the product are read straight
 * out of the kernel's memory into C (no intermediate [M,N] array).
 */
function wasmNT(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  acc: boolean,
): void {
  wasmTiles(M, N, K, A, B, (t, r) => {
    const off = r * N, n = t.length;
    if (!acc) C.set(t, off);
    else for (let i = 0; i < n; i++) C[off + i] += t[i];
  });
}

/**
 * Runs A·Bᵀ (A [M,K], B [N,K], row-major) on the WASM kernel and hands each row block of the
 * [M, N] product to `onTile(values, firstRow)`: `values` is a view into kernel memory, valid only
 * during the call. Fused ops use this to scatter results into their own layout in one pass.
 */
export function wasmTiles(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  onTile: (values: Float32Array, rowStart: number) => void,
  tileRows?: number,
): void {
  forEachTile(
    { rows: M, cols: K, data: A.length === M * K ? A : A.subarray(0, M * K) },
    { rows: N, cols: K, data: B.length === N * K ? B : B.subarray(0, N * K) },
    "dot",
    (t, r) => onTile(t.data, r),
    tileRows ? { tileRows } : {},
  );
}

/** True when the WASM kernel is available and a product of `macs` multiply-adds is worth its copies. */
export function wasmWorthIt(macs: number): boolean {
  return useWasm(macs);
}

const KB = 128; // k-block: a strip of B rows that stays in L1/L2 while 4 rows of A stream past
const JB = 512; // j-block: columns of B/C per pass

/**
 * C[M,N] (+)= op(A)·op(B), op = transpose where `tA`/`tB` is set (A stored [K,M] when tA, B stored
 * [N,K] when tB); `accumulate` adds into C instead of overwriting it. The one dispatcher: WebGPU for
 * very large products when an engine is set, the WASM A·Bᵀ kernel for large ones, else the
 * TypeScript loops of {@link gemmNNts}; operands are transposed to fit the chosen kernel.
 */
export function gemm(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  accumulate = false,
): void {
  if (tA && tB) {
    // A^T B^T = (B A)^T
    const tmp = new Float32Array(M * N);
    gemm(false, false, N, M, K, B, A, tmp, false);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) C[i * N + j] = (accumulate ? C[i * N + j] : 0) + tmp[j * M + i];
    }
    return;
  }
  if (gpu && M * N * K >= GPU_MIN_MACS) {
    const t = tA ? { transA: true } : tB ? { transB: true } : {};
    return void gpu.matmulSync(A, B, M, N, K, t, C, accumulate);
  }
  const wasm = useWasm(M * N * K);
  const a = tA ? transpose2d(K, M, A, scratch("gemm.a", K * M)) : A; // [M, K] for either kernel
  if (wasm) return wasmNT(M, N, K, a, tB ? B : transpose2d(K, N, B, scratch("gemm.b", K * N)), C, accumulate);
  gemmNNts(M, N, K, a, tB ? transpose2d(N, K, B, scratch("gemm.b", K * N)) : B, C, accumulate);
}

/** C[M,N] (+)= A[M,K] · B[K,N] (see {@link gemm}). */
export const gemmNN: GemmFn = (M, N, K, A, B, C, accumulate = false) =>
  gemm(false, false, M, N, K, A, B, C, accumulate);

/** C[M,N] (+)= A[M,K] · B[N,K]^T (see {@link gemm}). */
export const gemmNT: GemmFn = (M, N, K, A, B, C, accumulate = false) =>
  gemm(false, true, M, N, K, A, B, C, accumulate);

/** C[M,N] (+)= A[K,M]^T · B[K,N] (see {@link gemm}). */
export const gemmTN: GemmFn = (M, N, K, A, B, C, accumulate = false) =>
  gemm(true, false, M, N, K, A, B, C, accumulate);

/** A fixed-layout product C[M,N] (+)= op(A)·op(B). */
export type GemmFn = (
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  accumulate?: boolean,
) => void;

/** The TypeScript kernel of {@link gemmNN} (exported for tests and benchmarks). */
export const gemmNNts: GemmFn = (M, N, K, A, B, C, accumulate = false) => {
  if (!accumulate) C.fill(0, 0, M * N);
  for (let j0 = 0; j0 < N; j0 += JB) {
    const j1 = Math.min(N, j0 + JB);
    for (let k0 = 0; k0 < K; k0 += KB) {
      const k1 = Math.min(K, k0 + KB);
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const c0 = i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
        const a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
        for (let k = k0; k < k1; k++) {
          const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
          const b = k * N;
          for (let j = j0; j < j1; j++) {
            const y = B[b + j];
            C[c0 + j] += x0 * y;
            C[c1 + j] += x1 * y;
            C[c2 + j] += x2 * y;
            C[c3 + j] += x3 * y;
          }
        }
      }
      for (; i < M; i++) {
        const c0 = i * N, a0 = i * K;
        for (let k = k0; k < k1; k++) {
          const x0 = A[a0 + k];
          if (x0 === 0) continue;
          const b = k * N;
          for (let j = j0; j < j1; j++) C[c0 + j] += x0 * B[b + j];
        }
      }
    }
  }
};

/**
 * Transposes a row-major [R, C] matrix into [C, R] (a new array unless `out` is given). Four source
 * rows at a time, so every store run is 4 contiguous values (2-3x faster than square tiles in V8).
 */
export function transpose2d(
  R: number,
  Cc: number,
  X: Float32Array,
  out: Float32Array = new Float32Array(R * Cc),
): Float32Array {
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const a0 = r * Cc, a1 = a0 + Cc, a2 = a1 + Cc, a3 = a2 + Cc;
    for (let c = 0, o = r; c < Cc; c++, o += R) {
      out[o] = X[a0 + c];
      out[o + 1] = X[a1 + c];
      out[o + 2] = X[a2 + c];
      out[o + 3] = X[a3 + c];
    }
  }
  for (; r < R; r++) for (let c = 0, o = r, a = r * Cc; c < Cc; c++, o += R) out[o] = X[a + c];
  return out;
}
