/**
 * Training matrix products: the WASM SIMD path the autodiff uses today (core/autodiff/gemm.ts gemmNT ->
 * dotMatrix) against the WebGPU GEMM (core/kernels/webgpu_gemm.ts) on whatever adapter this machine has,
 * in one run, on the shapes of the issue's training bench (a 512-wide head, 1000-class AAM logits) and a
 * square one. WebGPU times include upload and read-back (what a training step would pay). A software
 * adapter (llvmpipe) is force-allowed here only to measure it; `auto` never selects it.
 * Prints a table: ms per product (best of N), GFLOP/s, and webgpu / wasm (> 1 = webgpu slower), for the
 * async engine and for the blocking worker-backed one the autodiff tape would use.
 *
 *   deno run -A bench/webgpu_gemm_bench.ts [--reps 5]
 * @module
 */
import { parseArgs } from "node:util";
import { gemmNT } from "../core/autodiff/gemm.ts";
import { createGpuGemm } from "../core/kernels/webgpu_gemm.ts";
import { selectTrainingDevice } from "../core/kernels/training_device.ts";
import { createGpuGemmSync } from "../core/kernels/webgpu_gemm_sync.ts";
import { Rng } from "../core/random.ts";

const { values } = parseArgs({ args: Deno.args, options: { reps: { type: "string", default: "5" } } });
const REPS = Number(values.reps);

// [label, M, N, K]: C[M,N] = A[M,K]·B[N,K]ᵀ
const SHAPES: [string, number, number, number][] = [
  ["tiny 1x1 . 1x1ᵀ (per-call latency)", 1, 1, 1],
  ["head fwd 128x512 . 512x512ᵀ", 128, 512, 512],
  ["AAM logits 128x512 . 1000x512ᵀ", 128, 1000, 512],
  ["weight grad 512x128 . 512x128ᵀ", 512, 512, 128],
  ["square 512", 512, 512, 512],
];

function randn(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

async function best(fn: () => unknown, reps: number): Promise<number> {
  await fn(); // warm-up (JIT, pipeline compilation, buffer growth)
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

const auto = await selectTrainingDevice("auto");
console.log(`selectTrainingDevice("auto") -> ${auto.device}: ${auto.reason}`);
auto.gemm?.dispose();
const forced = await createGpuGemm({ allowFallbackAdapter: true });
console.log(`benchmarked webgpu engine: ${forced.gemm ? forced.reason : `none (${forced.reason})`}`);
const forcedSync = await createGpuGemmSync({ allowFallbackAdapter: true });

const rng = new Rng(42);
const rows: string[] = [];
for (const [label, M, N, K] of SHAPES) {
  const a = randn(M * K, rng), b = randn(N * K, rng), c = new Float32Array(M * N);
  const flop = 2 * M * N * K;
  const tw = await best(() => gemmNT(M, N, K, a, b, c), REPS);
  let line = `| ${label} | ${tw.toFixed(2)} | ${(flop / tw / 1e6).toFixed(1)} |`;
  if (forced.gemm) {
    const g = forced.gemm;
    const tg = await best(() => g.matmul(a, b, M, N, K, { transB: true }, c), REPS);
    line += ` ${tg.toFixed(2)} | ${(flop / tg / 1e6).toFixed(1)} | ${(tg / tw).toFixed(1)}x |`;
  } else line += " - | - | - |";
  if (forcedSync.gemm) {
    const g = forcedSync.gemm;
    const ts = await best(() => g.matmulSync(a, b, M, N, K, { transB: true }, c), REPS);
    line += ` ${ts.toFixed(2)} | ${(ts / tw).toFixed(1)}x |`;
  } else line += " - | - |";
  rows.push(line);
}
forced.gemm?.dispose();
forcedSync.gemm?.dispose();
console.log(`\nA·Bᵀ, best of ${REPS} (adapter: ${forced.gemm?.adapter ?? "none"})\n`);
console.log(
  "| product | wasm ms | wasm GFLOP/s | webgpu ms | webgpu GFLOP/s | webgpu / wasm | webgpu sync (worker) ms | sync / wasm |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
