/**
 * WebGPU adapter detection shared by the ONNX runtime (core/onnx/runtime.ts, inference EP choice) and the
 * training GEMM (core/kernels/webgpu_gemm.ts). One place decides what counts as a *software* adapter:
 * `isFallbackAdapter` (on the adapter or its info, depending on the runtime's WebGPU version) or a known
 * CPU rasteriser name (llvmpipe, lavapipe, softpipe, SwiftShader, WARP). Such adapters were measured
 * 10-80x slower than the WASM kernels here and computed some Conv1d layers wrongly, so callers refuse them
 * unless a test asks for them explicitly.
 * @module
 */

/** What {@link requestGpuAdapter} found. */
export interface GpuAdapterProbe {
  /** True when an adapter was obtained. */
  readonly ok: boolean;
  /** True for a software (fallback / CPU-rasteriser) adapter. */
  readonly software: boolean;
  /** Human-readable: the adapter's name, or why there is none. */
  readonly description: string;
  /** The adapter itself (present when `ok`). */
  readonly adapter?: GPUAdapter;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

/**
 * Requests a WebGPU adapter and classifies it; never throws. `options` go to requestAdapter (the ONNX
 * runtime passes none, like onnxruntime-web's own request; the training GEMM asks for high-performance).
 */
export async function requestGpuAdapter(options?: GPURequestAdapterOptions): Promise<GpuAdapterProbe> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) return { ok: false, software: false, description: "this runtime exposes no navigator.gpu" };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(options);
  } catch (e) {
    return { ok: false, software: false, description: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) return { ok: false, software: false, description: "no WebGPU adapter" };
  // deno-lint-ignore no-explicit-any
  const info: any = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ") ||
    "unnamed";
  const software = Boolean(
    // deno-lint-ignore no-explicit-any
    (adapter as any).isFallbackAdapter ?? info.isFallbackAdapter,
  ) || SOFTWARE_NAMES.test(name);
  return {
    ok: true,
    software,
    description: `${software ? "software (fallback) adapter" : "adapter"} ${name}`,
    adapter,
  };
}
