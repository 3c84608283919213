/**
 * One prepared check of the WebGPU paths for a machine with a real GPU (the WebGPU code has only met
 * llvmpipe here). In at most ~5 minutes, in one process, it measures:
 *
 * - inference on the WeSpeaker-ResNet34 and ECAPA-TDNN (C=512) shapes (core/onnx/models, seeded random
 *   weights: speed does not depend on the values) on 10 s of audio ([1, 998, 80] fbank): onnxruntime-web
 *   wasm (the anchor), onnxruntime-node (native CPU) and onnxruntime-web WebGPU through `loadOnnx`, which
 *   refuses a software adapter and checks parity against wasm before using WebGPU (so "refused" or
 *   "parity failed" are results, with the reason). Parity here = max |output - wasm output| on the input.
 * - the training GEMM (core/kernels/webgpu_gemm.ts, its own parity check against the WASM kernel) against
 *   the WASM SIMD product the autodiff uses (gemmNT) on the training shapes and a ~1 GFLOP square.
 *
 * Speed is a ratio to wasm in the same run (`vsWasm` > 1 = faster than wasm); times are medians.
 * Writes out/bench/webgpu_check.json (block `webgpu-check` of README.md via `deno task readme`).
 *
 *   deno task webgpu-check [--out FILE] [--runs 5] [--budget 270] [--allow-software] [--skip node,inference,gemm]
 *
 * `--allow-software` also measures a software adapter (llvmpipe), slowly; without it such an adapter is
 * reported as refused, which is what this machine shows.
 * @module
 */
import { benchArgs } from "./bench_args.ts";
import { buildRandomModel } from "../core/onnx/models/mod.ts";
import { loadOnnx, type OnnxModel, outputDiff, type Tensor32 } from "../core/onnx/runtime.ts";
import { requestGpuAdapter } from "../core/kernels/webgpu_adapter.ts";
import { createGpuGemm } from "../core/kernels/webgpu_gemm.ts";
import { gemmNT } from "../core/autodiff/gemm.ts";
import { Rng } from "../core/random.ts";
import { writeFileAtomic } from "../core/atomic.ts";

const { values } = benchArgs({
  out: { type: "string", default: "out/bench/webgpu_check.json" },
  runs: { type: "string", default: "5" },
  budget: { type: "string", default: "270" },
  "allow-software": { type: "boolean" },
  skip: { type: "string", default: "" },
});
/** `--skip node,inference,gemm`: parts to leave out (e.g. onnxruntime-node where its 69 MB binary is absent). */
const SKIP = new Set(String(values.skip).split(",").filter(Boolean));
const RUNS = Math.max(1, Number(values.runs));
const DEADLINE = performance.now() + 1000 * Number(values.budget);
const allowSoftware = Boolean(values["allow-software"]);

/** One line of the results file. */
interface Row {
  workload: string;
  backend: "wasm" | "node" | "webgpu";
  status: string;
  ms?: number;
  vsWasm?: number;
  maxAbsDiff?: number;
  note?: string;
}
const results: Row[] = [];
const log = (r: Row) => {
  results.push(r);
  console.error(
    `${r.workload.padEnd(34)} ${r.backend.padEnd(6)} ${r.status.padEnd(8)} ${r.ms?.toFixed(1) ?? "-"} ms ${
      r.vsWasm ? `${r.vsWasm.toFixed(2)}x wasm` : ""
    } ${r.maxAbsDiff !== undefined ? `diff ${r.maxAbsDiff.toExponential(2)}` : ""} ${r.note ?? ""}`,
  );
};

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: pipeline / shader compilation, JIT
  const t: number[] = [];
  for (let i = 0; i < RUNS && performance.now() < DEADLINE; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

const timeLeft = () => performance.now() < DEADLINE;
const adapter = await requestGpuAdapter();
console.error(`adapter: ${adapter.description}`);

// ---- inference: ResNet34 and ECAPA shapes ------------------------------------------------------------
for (const name of SKIP.has("inference") ? [] : ["resnet34", "ecapa512"]) {
  const built = buildRandomModel(`random:${name}`);
  const rng = new Rng(7);
  const feats = { dims: [1, 998, 80], data: Float32Array.from({ length: 998 * 80 }, () => rng.normal()) };
  const workload = `${name} (${(built.parameters / 1e6).toFixed(2)} M), 10 s`;
  const wasm = await loadOnnx(built.bytes, { ep: "wasm", threads: 1, log: () => {} });
  let ref: Record<string, Tensor32> | undefined;
  const wasmMs = await median(async () => (ref = await wasm.run({ feats })));
  log({ workload, backend: "wasm", status: "ok", ms: wasmMs, vsWasm: 1, note: "1 thread (anchor)" });
  for (const ep of (["node", "webgpu"] as const).filter((e) => !SKIP.has(e))) {
    if (!timeLeft()) {
      log({ workload, backend: ep, status: "skipped", note: "time budget spent" });
      continue;
    }
    let m: OnnxModel;
    try {
      m = await loadOnnx(built.bytes, {
        ep,
        threads: ep === "node" ? 1 : 0,
        allowSoftwareAdapter: allowSoftware,
        log: () => {},
      });
    } catch (e) {
      log({ workload, backend: ep, status: "error", note: (e as Error).message.split("\n")[0] });
      continue;
    }
    if (m.ep !== ep) { // loadOnnx fell back to wasm: the reason is the result
      log({ workload, backend: ep, status: m.parity ? "parity failed" : "refused", note: m.epNote });
      await m.dispose();
      continue;
    }
    let out: Record<string, Tensor32> | undefined;
    const ms = await median(async () => (out = await m.run({ feats })));
    const d = outputDiff(ref!, out!);
    log({
      workload,
      backend: ep,
      status: "ok",
      ms,
      vsWasm: wasmMs / ms,
      maxAbsDiff: d.maxAbsDiff,
      note: m.epNote,
    });
    await m.dispose();
  }
  await wasm.dispose();
}

// ---- training GEMM ------------------------------------------------------------------------------------
const SHAPES: [string, number, number, number][] = [
  ["GEMM head 128x512 . 512x512ᵀ", 128, 512, 512],
  ["GEMM AAM logits 128x512 . 1000x512ᵀ", 128, 1000, 512],
  ["GEMM square 1024 (2.1 GFLOP)", 1024, 1024, 1024],
];
const gpu = await createGpuGemm({ allowFallbackAdapter: allowSoftware });
const rng = new Rng(42);
for (const [workload, M, N, K] of SKIP.has("gemm") ? [] : SHAPES) {
  const a = Float32Array.from({ length: M * K }, () => rng.normal());
  const b = Float32Array.from({ length: N * K }, () => rng.normal());
  const c = new Float32Array(M * N);
  // deno-lint-ignore require-await
  const wasmMs = await median(async () => gemmNT(M, N, K, a, b, c));
  log({ workload, backend: "wasm", status: "ok", ms: wasmMs, vsWasm: 1, note: "WASM SIMD gemmNT (anchor)" });
  if (!gpu.gemm) {
    log({ workload, backend: "webgpu", status: gpu.parity ? "parity failed" : "refused", note: gpu.reason });
    continue;
  }
  if (!timeLeft()) {
    log({ workload, backend: "webgpu", status: "skipped", note: "time budget spent" });
    continue;
  }
  let g: Float32Array = new Float32Array(0);
  const ms = await median(async () => (g = await gpu.gemm!.matmulABt(a, b, M, N, K)));
  let diff = 0, refMax = 0;
  for (let i = 0; i < c.length; i++) {
    diff = Math.max(diff, Math.abs(g[i] - c[i]));
    refMax = Math.max(refMax, Math.abs(c[i]));
  }
  log({
    workload,
    backend: "webgpu",
    status: "ok",
    ms,
    vsWasm: wasmMs / ms,
    maxAbsDiff: diff,
    note: `${gpu.reason}; |C| up to ${refMax.toFixed(1)}; includes upload and read-back`,
  });
}
gpu.gemm?.dispose();

const report = {
  bench: "bench/webgpu_check.ts",
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  adapter: adapter.description,
  software: adapter.software,
  skipped: [...SKIP],
  allowSoftware,
  runs: RUNS,
  results,
};
await writeFileAtomic(values.out!, JSON.stringify(report, null, 2) + "\n");
console.error(`wrote ${values.out}`);
