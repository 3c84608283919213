/**
 * Training-device selection: THE one place that turns a user preference ("auto" | "wasm" | "webgpu") into
 * the device training's large matrix products run on (the WebGPU GEMM only after it passes parity against
 * the WASM kernel; see core/kernels/webgpu_gemm.ts).
 * @module
 */
import type { Parity } from "./webgpu_gemm_api.ts";
import { createGpuGemm } from "./webgpu_gemm.ts";
import { createGpuGemmSync, type GpuGemmSync } from "./webgpu_gemm_sync.ts";
import type { GpuGemm, GpuGemmOptions } from "./webgpu_gemm_api.ts";

/** A training-device preference. */
export type TrainingDevicePref = "auto" | "wasm" | "webgpu";

/** What {@link selectTrainingDevice} chose and why. */
export interface TrainingDevice {
  /** Where training's large matrix products run. */
  readonly device: "wasm" | "webgpu";
  /** Why (the adapter and parity max abs diff, or why webgpu was refused). */
  readonly reason: string;
  /** The parity check, when one ran. */
  readonly parity?: Parity;
  /** The async GEMM engine when `device` is "webgpu" and `sync` was not asked for (dispose it when done). */
  readonly gemm?: GpuGemm;
  /** The blocking GEMM engine (worker-backed) when `device` is "webgpu" and `sync` was asked for. */
  readonly gemmSync?: GpuGemmSync;
}

/** Options of {@link selectTrainingDevice}. */
export interface SelectOptions extends GpuGemmOptions {
  /** Where a refused explicit "webgpu" request is reported (default: stderr). */
  readonly log?: (msg: string) => void;
  /**
   * Return a blocking engine (`gemmSync`, device in a worker: core/kernels/webgpu_gemm_sync.ts) for
   * synchronous callers such as the autodiff tape, instead of the async `gemm`.
   */
  readonly sync?: boolean;
}

/**
 * THE one place that picks the training device. "wasm": the WASM SIMD kernels. "webgpu" and "auto": the
 * WebGPU GEMM when {@link createGpuGemm} accepts a real adapter that passes parity, else wasm with the reason
 * (an explicit "webgpu" request that falls back is also reported on `log`).
 */
export async function selectTrainingDevice(
  pref: TrainingDevicePref,
  opts: SelectOptions = {},
): Promise<TrainingDevice> {
  if (pref !== "auto" && pref !== "wasm" && pref !== "webgpu") {
    throw new RangeError(`training device must be one of auto, wasm, webgpu, got '${pref}'`);
  }
  if (pref === "wasm") return { device: "wasm", reason: "wasm requested" };
  const { log: _log, sync, ...gemmOpts } = opts;
  if (sync) {
    const s = await createGpuGemmSync(gemmOpts);
    if (s.gemm) return { device: "webgpu", reason: s.reason, parity: s.parity, gemmSync: s.gemm };
    return refused(pref, s.reason, s.parity, opts.log);
  }
  const r = await createGpuGemm(gemmOpts);
  if (r.gemm) return { device: "webgpu", reason: r.reason, parity: r.parity, gemm: r.gemm };
  return refused(pref, r.reason, r.parity, opts.log);
}

function refused(
  pref: TrainingDevicePref,
  why: string,
  parity: Parity | undefined,
  log: ((msg: string) => void) | undefined,
): TrainingDevice {
  const reason = `webgpu not used: ${why}; training on wasm`;
  if (pref === "webgpu") (log ?? ((m: string) => console.error(m)))(`embedkit: ${reason}`);
  return { device: "wasm", reason, parity };
}
