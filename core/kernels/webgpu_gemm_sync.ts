/**
 * A SYNCHRONOUS front for the WebGPU GEMM, for callers that cannot await (the autodiff tape's gemmNN /
 * gemmNT / gemmTN are plain synchronous functions). WebGPU read-back is asynchronous (mapAsync), so the
 * device lives in a worker (core/kernels/webgpu_gemm_worker.ts): each product copies A and B into a
 * SharedArrayBuffer, posts one message and blocks in Atomics.wait until the worker has written C. Deno
 * allows Atomics.wait on the main thread (browsers do not: there, use the async GpuGemm from a worker).
 * The extra cost per product is one more copy of the operands and one message; bench/webgpu_gemm_bench.ts
 * measures it against the async engine.
 * @module
 */
import { requestGpuAdapter } from "./webgpu_adapter.ts";
import {
  adapterRefusal,
  checkDims,
  type GemmCall,
  type GpuGemmOptions,
  type GpuGemmResult,
  type Parity,
  type Transposes,
} from "./webgpu_gemm_api.ts";

/** Bytes of the worker control block: 16 bytes of Int32 words, then room for an error message. */
export const CTRL_BYTES: number = 16 + 1024;

/** A WebGPU matrix-product engine with blocking calls (row-major Float32 operands). */
export interface GpuGemmSync {
  /** The adapter it runs on. */
  readonly adapter: string;
  /** True when that adapter is a software (fallback) one. */
  readonly software: boolean;
  /** C[m,n] = op(A)·op(B) (see GpuGemm.matmul); `out` receives C, added to it when `accumulate`. */
  matmulSync: GemmCall<Float32Array>;
  /** Stops the worker and releases the device. */
  dispose(): void;
}

/** Options of {@link createGpuGemmSync}. */
export interface GpuGemmSyncOptions extends GpuGemmOptions {
  /** How long the worker may take to start, and one product may block before it throws (default 30 s). */
  readonly timeoutMs?: number;
}

/** Result: the engine, or null and why (same reasons as createGpuGemm). */
export type GpuGemmSyncResult = GpuGemmResult<GpuGemmSync>;

interface InitReply {
  ok: boolean;
  reason: string;
  parity?: Parity;
  adapter?: string;
  software?: boolean;
}

/**
 * Starts the worker, which runs createGpuGemm (adapter checks + parity against the WASM kernel) on its
 * own device. Returns `gemm: null` with the reason when the worker refuses or cannot start.
 */
export async function createGpuGemmSync(opts: GpuGemmSyncOptions = {}): Promise<GpuGemmSyncResult> {
  // Refuse on this thread first: no worker is started where there is no usable adapter (the common case).
  const refusal = adapterRefusal(await requestGpuAdapter({ powerPreference: "high-performance" }), opts);
  if (refusal) return { gemm: null, reason: refusal };
  let worker: Worker;
  try {
    worker = new Worker(new URL("./webgpu_gemm_worker.ts", import.meta.url), { type: "module" });
  } catch (e) {
    return { gemm: null, reason: `cannot start the WebGPU worker: ${(e as Error).message}` };
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reply = await new Promise<InitReply>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, reason: `the WebGPU worker did not start within ${timeoutMs} ms` }),
      timeoutMs,
    );
    worker.onmessage = (e: MessageEvent<InitReply>) => resolve(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      resolve({ ok: false, reason: `WebGPU worker failed: ${e.message}` });
    };
    const { timeoutMs: _t, ...gemmOpts } = opts;
    worker.postMessage({ type: "init", opts: gemmOpts });
  });
  clearTimeout(timer);
  worker.onmessage = null;
  if (!reply.ok) {
    worker.terminate();
    return { gemm: null, reason: reply.reason, parity: reply.parity };
  }
  return {
    gemm: new SyncGemm(worker, reply, timeoutMs),
    reason: reply.reason,
    parity: reply.parity,
  };
}

class SyncGemm implements GpuGemmSync {
  readonly adapter: string;
  readonly software: boolean;
  #worker?: Worker;
  #timeout: number;
  #ctrl = new SharedArrayBuffer(CTRL_BYTES);
  #data = new SharedArrayBuffer(1 << 16);

  constructor(worker: Worker, reply: InitReply, timeoutMs: number) {
    this.#worker = worker;
    this.adapter = reply.adapter ?? "unknown";
    this.software = Boolean(reply.software);
    this.#timeout = timeoutMs;
  }

  matmulSync(
    a: Float32Array,
    b: Float32Array,
    m: number,
    n: number,
    k: number,
    t: Transposes = {},
    out?: Float32Array,
    accumulate = false,
  ): Float32Array {
    if (!this.#worker) throw new Error("webgpu gemm: this engine was disposed");
    checkDims(m, n, k);
    if (a.length < m * k || b.length < n * k) {
      throw new RangeError(
        `webgpu gemm: A has ${a.length} values and B ${b.length}; ${m}x${n}x${k} needs ${m * k} and ${n * k}`,
      );
    }
    if (out && out.length < m * n) {
      throw new RangeError(`webgpu gemm: out has ${out.length} values, needs ${m * n}`);
    }
    const bytes = (m * k + n * k + m * n) * 4;
    if (this.#data.byteLength < bytes) {
      this.#data = new SharedArrayBuffer(Math.ceil((bytes * 1.5) / 65536) * 65536);
    }
    const data = this.#data;
    new Float32Array(data, 0, m * k).set(a.subarray(0, m * k));
    new Float32Array(data, m * k * 4, n * k).set(b.subarray(0, n * k));
    const words = new Int32Array(this.#ctrl, 0, 4);
    words.fill(0);
    this.#worker.postMessage({
      type: "run",
      ctrl: this.#ctrl,
      data,
      m,
      n,
      k,
      transA: Boolean(t.transA),
      transB: Boolean(t.transB),
    });
    if (Atomics.wait(words, 0, 0, this.#timeout) === "timed-out") {
      this.dispose();
      throw new Error(
        `webgpu gemm: no answer from the GPU worker within ${this.#timeout} ms; engine disposed`,
      );
    }
    if (words[1] !== 0) {
      const msg = new TextDecoder().decode(new Uint8Array(this.#ctrl, 16, words[2]).slice());
      throw new Error(`webgpu gemm (worker): ${msg}`);
    }
    const c = new Float32Array(data, (m * k + n * k) * 4, m * n);
    const C = out ?? new Float32Array(m * n);
    if (!accumulate) C.set(c);
    else for (let i = 0; i < m * n; i++) C[i] += c[i];
    return C;
  }

  dispose(): void {
    // terminating the worker releases its device and buffers
    this.#worker?.terminate();
    this.#worker = undefined;
  }
}
