/**
 * WebGPU compute GEMM for training: C[M,N] = op(A)·op(B) in a tiled WGSL kernel, checked against the
 * WASM SIMD kernel (`dotMatrix` of core/kernels/distance.ts) before it is ever used.
 *
 * - Kernel: 64x64 output tile per 16x16 workgroup, 4x4 outputs per invocation (strided by 16 so that
 *   neighbouring invocations store neighbouring columns), K in steps of 16 through workgroup memory.
 *   Edges (M, N, K not multiples of the tile) load zeros and skip stores. One shader variant per
 *   transpose combination (A·Bᵀ, A·B, Aᵀ·B, Aᵀ·Bᵀ) so every tile load reads contiguous memory.
 * - Buffers: the A, B, C, read-back and uniform buffers are created once and grown (never shrunk) as
 *   products get larger; calls are serialised on one queue so they can share them.
 * - Selection: {@link createGpuGemm} returns no GEMM (with the reason) unless a NON-fallback adapter exists
 *   and a probe product of every transpose variant agrees with the WASM kernel; `selectTrainingDevice`
 *   (core/kernels/training_device.ts) is the one place that turns a user preference into a device.
 * - Kernel source: core/kernels/webgpu_gemm_shader.ts; shared types and checks: core/kernels/webgpu_gemm_api.ts.
 *
 * WebGPU read-back is asynchronous (mapAsync), so these products return Promises. The synchronous autodiff
 * tape uses the blocking front in core/kernels/webgpu_gemm_sync.ts (device in a worker, Atomics.wait),
 * which `selectTrainingDevice(pref, { sync: true })` returns as `gemmSync`.
 * @module
 */
import { dotMatrix } from "./distance.ts";
import { requestGpuAdapter } from "./webgpu_adapter.ts";
import { Rng } from "../random.ts";
import {
  adapterRefusal,
  checkDims,
  type GpuGemm,
  type GpuGemmOptions,
  type GpuGemmResult,
  type Parity,
  type Transposes,
} from "./webgpu_gemm_api.ts";
import { gemmShader, TM, TN } from "./webgpu_gemm_shader.ts";

export type { GpuGemm, GpuGemmOptions, GpuGemmResult, Parity, Transposes } from "./webgpu_gemm_api.ts";

/** The reused buffers: operands, product, and the mappable read-back copy. */
type SlotName = "a" | "b" | "c" | "read";

/** A grow-only GPU buffer. */
interface Slot {
  buf?: GPUBuffer;
  bytes: number;
}

function checkShape(what: string, arr: Float32Array, need: number, shape: string): void {
  if (!(arr instanceof Float32Array)) throw new TypeError(`webgpu gemm: ${what} must be a Float32Array`);
  if (arr.length < need) {
    throw new RangeError(`webgpu gemm: ${what} has ${arr.length} values, ${shape} needs ${need}`);
  }
}

class WebGpuGemm implements GpuGemm {
  readonly adapter: string;
  readonly software: boolean;
  #device: GPUDevice;
  #pipelines = new Map<string, Promise<GPUComputePipeline>>();
  #layout: GPUBindGroupLayout;
  #slots: Record<SlotName, Slot> = {
    a: { bytes: 0 },
    b: { bytes: 0 },
    c: { bytes: 0 },
    read: { bytes: 0 },
  };
  #uniform: GPUBuffer;
  #bindGroup?: GPUBindGroup;
  #queue: Promise<unknown> = Promise.resolve();
  #lost?: string;
  #maxBinding: number;

  constructor(device: GPUDevice, adapter: string, software: boolean) {
    this.#device = device;
    this.adapter = adapter;
    this.software = software;
    this.#maxBinding = device.limits.maxStorageBufferBindingSize;
    device.lost.then((i) => (this.#lost = `device lost: ${i.message || i.reason}`));
    this.#uniform = device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const storage = (type: GPUBufferBindingType): GPUBindGroupLayoutEntry["buffer"] => ({ type });
    this.#layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: storage("read-only-storage") },
        { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: storage("read-only-storage") },
        { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: storage("storage") },
        { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: storage("uniform") },
      ],
    });
  }

  #pipeline(transA: boolean, transB: boolean): Promise<GPUComputePipeline> {
    const key = `${+transA}${+transB}`;
    let p = this.#pipelines.get(key);
    if (!p) {
      const module = this.#device.createShaderModule({
        code: gemmShader(transA, transB),
        label: `gemm${key}`,
      });
      p = this.#device.createComputePipelineAsync({
        layout: this.#device.createPipelineLayout({ bindGroupLayouts: [this.#layout] }),
        compute: { module, entryPoint: "main" },
      });
      this.#pipelines.set(key, p);
    }
    return p;
  }

  /** Grows `slot` to at least `bytes` (x1.5 headroom); drops the cached bind group when a buffer changes. */
  #ensure(name: SlotName, bytes: number, usage: number): GPUBuffer {
    const slot = this.#slots[name];
    if (!slot.buf || slot.bytes < bytes) {
      slot.buf?.destroy();
      const size = Math.max(256, Math.ceil((bytes * 1.5) / 256) * 256);
      slot.buf = this.#device.createBuffer({ size, usage, label: `gemm.${name}` });
      slot.bytes = size;
      this.#bindGroup = undefined;
    }
    return slot.buf;
  }

  matmulABt(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Promise<Float32Array> {
    return this.matmul(a, b, m, n, k, { transB: true });
  }

  matmulAB(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Promise<Float32Array> {
    return this.matmul(a, b, m, n, k, {});
  }

  matmulAtB(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Promise<Float32Array> {
    return this.matmul(a, b, m, n, k, { transA: true });
  }

  matmul(
    a: Float32Array,
    b: Float32Array,
    m: number,
    n: number,
    k: number,
    t: Transposes = {},
    out?: Float32Array,
    accumulate = false,
  ): Promise<Float32Array> {
    checkDims(m, n, k);
    const transA = Boolean(t.transA), transB = Boolean(t.transB);
    checkShape("A", a, m * k, transA ? `[${k}, ${m}]` : `[${m}, ${k}]`);
    checkShape("B", b, n * k, transB ? `[${n}, ${k}]` : `[${k}, ${n}]`);
    if (out) checkShape("out", out, m * n, `[${m}, ${n}]`);
    const maxVals = Math.max(m * k, n * k, m * n) * 4;
    if (maxVals > this.#maxBinding) {
      throw new RangeError(
        `webgpu gemm: an operand of ${maxVals} bytes exceeds this adapter's storage binding limit ` +
          `(${this.#maxBinding} bytes); split the product or use the wasm device`,
      );
    }
    const run = this.#queue.then(() => this.#run(a, b, m, n, k, transA, transB, out, accumulate));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #run(
    a: Float32Array,
    b: Float32Array,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    out: Float32Array | undefined,
    accumulate: boolean,
  ): Promise<Float32Array> {
    if (this.#lost) throw new Error(`webgpu gemm: ${this.#lost}`);
    const C = out ?? new Float32Array(m * n);
    if (m === 0 || n === 0) return C;
    if (k === 0) {
      if (!accumulate) C.fill(0, 0, m * n);
      return C;
    }
    const dev = this.#device;
    const pipeline = await this.#pipeline(transA, transB);
    const S = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const bufA = this.#ensure("a", m * k * 4, S);
    const bufB = this.#ensure("b", n * k * 4, S);
    const bufC = this.#ensure("c", m * n * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
    const read = this.#ensure("read", m * n * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    this.#bindGroup ??= dev.createBindGroup({
      layout: this.#layout,
      entries: [
        { binding: 0, resource: { buffer: bufA } },
        { binding: 1, resource: { buffer: bufB } },
        { binding: 2, resource: { buffer: bufC } },
        { binding: 3, resource: { buffer: this.#uniform } },
      ],
    });
    dev.queue.writeBuffer(bufA, 0, a as Float32Array<ArrayBuffer>, 0, m * k);
    dev.queue.writeBuffer(bufB, 0, b as Float32Array<ArrayBuffer>, 0, n * k);
    dev.queue.writeBuffer(this.#uniform, 0, Uint32Array.of(m, n, k, 0));
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.#bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / TN), Math.ceil(m / TM), 1);
    pass.end();
    enc.copyBufferToBuffer(bufC, 0, read, 0, m * n * 4);
    dev.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ, 0, m * n * 4);
    try {
      const got = new Float32Array(read.getMappedRange(0, m * n * 4));
      if (!accumulate) C.set(got);
      else for (let i = 0; i < got.length; i++) C[i] += got[i];
    } finally {
      read.unmap();
    }
    return C;
  }

  dispose(): void {
    for (const s of Object.values(this.#slots)) s.buf?.destroy();
    this.#uniform.destroy();
    this.#device.destroy();
  }
}

function randn(n: number, rng: Rng): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
}

function transpose(r: number, c: number, x: Float32Array): Float32Array {
  const o = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) o[j * r + i] = x[i * c + j];
  return o;
}

/**
 * Checks every transpose variant on a seeded probe product whose sizes are not multiples of the tile
 * (M=70, N=67, K=133) against `dotMatrix` (the WASM SIMD kernel).
 */
export async function parityCheck(gemm: GpuGemm, parityTol = 1e-4, seed = 1234): Promise<Parity> {
  const m = 70, n = 67, k = 133;
  const rng = new Rng(seed);
  const a = randn(m * k, rng), bt = randn(n * k, rng); // A [m,k], Bᵀ stored [n,k]
  const ref = dotMatrix({ rows: m, cols: k, data: a }, { rows: n, cols: k, data: bt }).data;
  const at = transpose(m, k, a), b = transpose(n, k, bt); // Aᵀ stored [k,m], B stored [k,n]
  const got = [
    await gemm.matmul(a, bt, m, n, k, { transB: true }),
    await gemm.matmul(a, b, m, n, k, {}),
    await gemm.matmul(at, b, m, n, k, { transA: true }),
    await gemm.matmul(at, bt, m, n, k, { transA: true, transB: true }),
  ];
  let maxAbsDiff = 0, refMax = 0;
  for (let i = 0; i < ref.length; i++) refMax = Math.max(refMax, Math.abs(ref[i]));
  for (const g of got) {
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(g[i] - ref[i]);
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    }
  }
  const tol = parityTol * Math.max(1, refMax);
  return { maxAbsDiff, refMax, tol, passed: maxAbsDiff <= tol };
}

/**
 * Creates the WebGPU GEMM, or returns `gemm: null` with the reason: no navigator.gpu, no adapter, a
 * software adapter (unless `allowFallbackAdapter`), device/shader failure, or a failed parity check
 * against the WASM kernel (max abs diff in the reason and in `parity`).
 */
export async function createGpuGemm(opts: GpuGemmOptions = {}): Promise<GpuGemmResult> {
  const probe = await requestGpuAdapter({ powerPreference: "high-performance" });
  const refusal = adapterRefusal(probe, opts);
  if (refusal || !probe.adapter) return { gemm: null, reason: refusal ?? probe.description };
  let gemm: WebGpuGemm;
  try {
    const device = await probe.adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: probe.adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: probe.adapter.limits.maxBufferSize,
      },
    });
    gemm = new WebGpuGemm(device, probe.description, probe.software);
  } catch (e) {
    return { gemm: null, reason: `requestDevice failed on ${probe.description}: ${(e as Error).message}` };
  }
  let parity: Parity;
  try {
    parity = await parityCheck(gemm, opts.parityTol ?? 1e-4, opts.seed ?? 1234);
  } catch (e) {
    gemm.dispose();
    return {
      gemm: null,
      reason: `probe product failed on ${probe.description}: ${(e as Error).message.split("\n")[0]}`,
    };
  }
  const diff = `max abs diff vs wasm ${parity.maxAbsDiff.toExponential(3)}`;
  if (!parity.passed) {
    gemm.dispose();
    return {
      gemm: null,
      reason: `parity check failed on ${probe.description}: ${diff} > ${parity.tol.toExponential(1)}`,
      parity,
    };
  }
  return { gemm, reason: `webgpu on ${probe.description}; parity ${diff}`, parity };
}
