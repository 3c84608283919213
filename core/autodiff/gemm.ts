/**
 * Float32 matrix products (row-major) for the autodiff tape. Products large enough to amortise the
 * copy into WASM memory run on the WASM SIMD dot-product kernel of core/kernels/distance.ts
 * (`dotMatrix` = A·Bᵀ, a register-blocked f32x4 micro-kernel); small ones, and every product when
 * the kernel is unavailable, run on the cache-blocked TypeScript loops below. A·B and Aᵀ·B are
 * mapped onto A·Bᵀ by transposing operands (O(n²) against the O(n³) product).
 * @module
 */
import { dotMatrix } from "../kernels/distance.ts";

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

/** C (+)= A·Bᵀ through the WASM kernel (A [M,K], B [N,K]). */
function wasmNT(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  acc: boolean,
): void {
  const r = dotMatrix({ rows: M, cols: K, data: A.subarray(0, M * K) }, {
    rows: N,
    cols: K,
    data: B.subarray(0, N * K),
  }).data;
  if (!acc) C.set(r);
  else for (let i = 0; i < M * N; i++) C[i] += r[i];
}

const KB = 128; // k-block: a strip of B rows that stays in L1/L2 while 4 rows of A stream past
const JB = 512; // j-block: columns of B/C per pass

/**
 * C[M,N] (+)= A[M,K] · B[K,N]. `accumulate` adds into C instead of overwriting it.
 * Loops i-k-j with 4 rows of A at once so each loaded B value feeds 4 multiply-adds.
 */
export function gemmNN(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  accumulate = false,
): void {
  if (useWasm(M * N * K)) return wasmNT(M, N, K, A, transpose2d(K, N, B), C, accumulate);
  gemmNNts(M, N, K, A, B, C, accumulate);
}

/** The TypeScript kernel of {@link gemmNN} (exported for tests and benchmarks). */
export function gemmNNts(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  accumulate = false,
): void {
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
}

/** Transposes a row-major [R, C] matrix into a new [C, R] one (blocked for cache). */
export function transpose2d(
  R: number,
  Cc: number,
  X: Float32Array,
  out = new Float32Array(R * Cc),
): Float32Array {
  const T = 32;
  for (let r0 = 0; r0 < R; r0 += T) {
    const r1 = Math.min(R, r0 + T);
    for (let c0 = 0; c0 < Cc; c0 += T) {
      const c1 = Math.min(Cc, c0 + T);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) out[c * R + r] = X[r * Cc + c];
      }
    }
  }
  return out;
}

/** C[M,N] (+)= A[M,K] · B[N,K]^T. */
export function gemmNT(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  accumulate = false,
): void {
  if (useWasm(M * N * K)) return wasmNT(M, N, K, A, B, C, accumulate);
  gemmNNts(M, N, K, A, transpose2d(N, K, B), C, accumulate);
}

/** C[M,N] (+)= A[K,M]^T · B[K,N]. */
export function gemmTN(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  accumulate = false,
): void {
  if (useWasm(M * N * K)) return wasmNT(M, N, K, transpose2d(K, M, A), transpose2d(K, N, B), C, accumulate);
  gemmNNts(M, N, K, transpose2d(K, M, A), B, C, accumulate);
}
