/**
 * Worker side of the synchronous WebGPU GEMM (core/kernels/webgpu_gemm_sync.ts). The worker owns the GPU
 * device; the caller's thread copies operands into a SharedArrayBuffer, posts a "run" message and blocks
 * in Atomics.wait until this worker has written the product and notified. Protocol (Int32 control words):
 * [0] state (0 = pending, 1 = done), [1] status (0 = ok, 1 = error), [2] error message length in bytes,
 * followed by the UTF-8 error message from byte 16 on.
 * @module
 */
import { createGpuGemm, type GpuGemm, type GpuGemmOptions } from "./webgpu_gemm.ts";
import { CTRL_BYTES } from "./webgpu_gemm_sync.ts";

interface InitMsg {
  type: "init";
  opts: GpuGemmOptions;
}
interface RunMsg {
  type: "run";
  ctrl: SharedArrayBuffer;
  data: SharedArrayBuffer;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

let gemm: GpuGemm | null = null;

function finish(ctrl: SharedArrayBuffer, error?: string): void {
  const words = new Int32Array(ctrl, 0, 4);
  if (error) {
    const bytes = new TextEncoder().encode(error).subarray(0, CTRL_BYTES - 16);
    new Uint8Array(ctrl, 16, bytes.length).set(bytes);
    words[2] = bytes.length;
  }
  words[1] = error ? 1 : 0;
  Atomics.store(words, 0, 1);
  Atomics.notify(words, 0);
}

async function run(msg: RunMsg): Promise<void> {
  try {
    if (!gemm) throw new Error("the WebGPU GEMM worker has no device");
    const { m, n, k, data } = msg;
    const a = new Float32Array(data, 0, m * k);
    const b = new Float32Array(data, m * k * 4, n * k);
    const c = new Float32Array(data, (m * k + n * k) * 4, m * n);
    await gemm.matmul(a, b, m, n, k, { transA: msg.transA, transB: msg.transB }, c);
    finish(msg.ctrl);
  } catch (e) {
    finish(msg.ctrl, (e as Error).message ?? String(e));
  }
}

// globalThis is the worker scope; `self` is not defined in every runtime configuration.
// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
scope.onmessage = async (e: MessageEvent<InitMsg | RunMsg | { type: "dispose" }>) => {
  const msg = e.data;
  if (msg.type === "init") {
    try {
      const r = await createGpuGemm(msg.opts);
      gemm = r.gemm;
      scope.postMessage({
        ok: Boolean(r.gemm),
        reason: r.reason,
        parity: r.parity,
        adapter: r.gemm?.adapter,
        software: r.gemm?.software,
      });
    } catch (err) {
      scope.postMessage({ ok: false, reason: `worker init failed: ${(err as Error).message}` });
    }
  } else if (msg.type === "run") await run(msg);
  else if (msg.type === "dispose") {
    gemm?.dispose();
    gemm = null;
    scope.close();
  }
};
