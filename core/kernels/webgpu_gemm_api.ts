/**
 * The contract of the WebGPU GEMM engines (async core/kernels/webgpu_gemm.ts and blocking
 * core/kernels/webgpu_gemm_sync.ts): operand layouts, the parity result against the WASM kernel, the
 * creation options and result, and the argument checks and adapter policy both fronts share.
 * @module
 */
import type { GpuAdapterProbe } from "./webgpu_adapter.ts";

/** Which operands are stored transposed. */
export interface Transposes {
  /** A is stored [K, M] (use Aᵀ). */
  readonly transA?: boolean;
  /** B is stored [N, K] (use Bᵀ); A·Bᵀ is the layout of `dotMatrix`. */
  readonly transB?: boolean;
}

/** Result of a parity check against the WASM kernel. */
export interface Parity {
  /** Largest |webgpu - wasm| over the probe products. */
  readonly maxAbsDiff: number;
  /** Largest |wasm| value (the tolerance scales with it). */
  readonly refMax: number;
  /** Tolerance used: parityTol * max(1, refMax). */
  readonly tol: number;
  /** True when maxAbsDiff <= tol. */
  readonly passed: boolean;
}

/**
 * The general product of both engines: C[m,n] = op(A)·op(B) for row-major operands stored as `t` says;
 * `out` (length >= m·n) receives C, added to it when `accumulate`. `R` is the result (or its Promise).
 */
export type GemmCall<R> = (
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  t?: Transposes,
  out?: Float32Array,
  accumulate?: boolean,
) => R;

/** A WebGPU matrix-product engine (row-major Float32 operands). */
export interface GpuGemm {
  /** The adapter it runs on. */
  readonly adapter: string;
  /** True when that adapter is a software (fallback) one. */
  readonly software: boolean;
  /** C[m,n] = A[m,k] · B[n,k]ᵀ (the layout of `dotMatrix`). */
  matmulABt(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Promise<Float32Array>;
  /** C[m,n] = A[m,k] · B[k,n]. */
  matmulAB(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Promise<Float32Array>;
  /** C[m,n] = A[k,m]ᵀ · B[k,n]. */
  matmulAtB(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Promise<Float32Array>;
  /** General form: C[m,n] = op(A)·op(B); `out` (length >= m·n) receives C, added to it when `accumulate`. */
  matmul: GemmCall<Promise<Float32Array>>;
  /** Releases the GPU buffers and the device. */
  dispose(): void;
}

/** Options of {@link createGpuGemm}. */
export interface GpuGemmOptions {
  /** Also accept a software (fallback) adapter such as llvmpipe: for testing the kernel only. */
  readonly allowFallbackAdapter?: boolean;
  /** Parity tolerance: max |webgpu - wasm| <= parityTol * max(1, max |wasm|). Default 1e-4. */
  readonly parityTol?: number;
  /** Seed of the probe operands (default 1234). */
  readonly seed?: number;
}

/** What {@link createGpuGemm} (and, with G = GpuGemmSync, createGpuGemmSync) returns: the engine, or null and why. */
export interface GpuGemmResult<G = GpuGemm> {
  /** The engine, or null when refused. */
  readonly gemm: G | null;
  /** Why this outcome (adapter name, parity max abs diff, or the reason for refusing). */
  readonly reason: string;
  /** The parity check, when one ran. */
  readonly parity?: Parity;
}

/** Throws unless the product sizes m, n, k are integers >= 0 (shared with the synchronous front). */
export function checkDims(m: number, n: number, k: number): void {
  for (const [name, v] of [["m", m], ["n", n], ["k", k]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`webgpu gemm: ${name} must be an integer >= 0, got ${v}`);
    }
  }
}

/** Why training must not use this adapter (none, or a software one not explicitly allowed); undefined = usable. */
export function adapterRefusal(probe: GpuAdapterProbe, opts: GpuGemmOptions = {}): string | undefined {
  if (!probe.ok) return probe.description;
  if (probe.software && !opts.allowFallbackAdapter) {
    return `${probe.description} refused (software adapters ran 10-80x slower than wasm here and are not trusted)`;
  }
  return undefined;
}
