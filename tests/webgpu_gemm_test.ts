/**
 * WebGPU training GEMM: the WGSL kernel against the WASM SIMD kernel (`dotMatrix`, the oracle) and a
 * float64 loop, on shapes that are and are not multiples of the 64x64x16 tile, for every transpose
 * variant; buffer reuse across growing/shrinking products; the parity check catching a wrong engine; and
 * `auto` refusing a software adapter. On machines with only a software adapter (llvmpipe here) the kernel
 * is tested by force-allowing it; without navigator.gpu or any adapter those tests are skipped visibly.
 * @module
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { dotMatrix } from "../core/kernels/distance.ts";
import { requestGpuAdapter } from "../core/kernels/webgpu_adapter.ts";
import { createGpuGemm, type GpuGemm, parityCheck, type Transposes } from "../core/kernels/webgpu_gemm.ts";
import { selectTrainingDevice } from "../core/kernels/training_device.ts";
import { createGpuGemmSync } from "../core/kernels/webgpu_gemm_sync.ts";
import { Rng } from "../core/random.ts";
import { maxAbsDiff } from "./helpers.ts";

const probe = await requestGpuAdapter({ powerPreference: "high-performance" });
if (!probe.ok) console.error(`SKIP: WebGPU kernel tests skipped: ${probe.description}`);
const gpuTest = (name: string) => ({
  name: probe.ok ? name : `${name} (SKIPPED: ${probe.description})`,
  ignore: !probe.ok,
  // the device and its buffers live across tests (one engine for the file)
  sanitizeResources: false,
  sanitizeOps: false,
});

let shared: GpuGemm | undefined;
async function engine(): Promise<GpuGemm> {
  if (!shared) {
    const r = await createGpuGemm({ allowFallbackAdapter: true });
    console.log(`engine: ${r.reason}`);
    if (!r.gemm) throw new Error(`no WebGPU GEMM although an adapter exists: ${r.reason}`);
    assert(r.parity && r.parity.passed && r.parity.maxAbsDiff < 1e-3, JSON.stringify(r.parity));
    shared = r.gemm;
  }
  return shared!;
}

function randn(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function transpose(r: number, c: number, x: Float32Array): Float32Array {
  const o = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) o[j * r + i] = x[i * c + j];
  return o;
}

/** float64 A[m,k] · B[n,k]ᵀ. */
function naiveABt(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
      c[i * n + j] = s;
    }
  }
  return c;
}

// [m, n, k]: tile multiples, edges of every size, skinny and K-long products
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [64, 64, 16],
  [65, 63, 17],
  [128, 192, 64],
  [7, 300, 129],
  [257, 5, 31],
  [100, 130, 513],
  [33, 1, 1000],
];

const TRANSPOSES: [string, Transposes][] = [
  ["A·Bᵀ", { transB: true }],
  ["A·B", {}],
  ["Aᵀ·B", { transA: true }],
  ["Aᵀ·Bᵀ", { transA: true, transB: true }],
];

Deno.test(
  gpuTest("webgpu gemm: WGSL kernel equals the WASM dotMatrix on tile and non-tile shapes, all transposes"),
  async () => {
    const g = await engine();
    const rng = new Rng(7);
    let worst = 0;
    for (const [m, n, k] of SHAPES) {
      const a = randn(m * k, rng), bt = randn(n * k, rng); // A [m,k], B stored transposed [n,k]
      const ref = dotMatrix({ rows: m, cols: k, data: a }, { rows: n, cols: k, data: bt }).data;
      const stored = { a, at: transpose(m, k, a), b: transpose(n, k, bt), bt };
      let refMax = 0;
      for (const v of ref) refMax = Math.max(refMax, Math.abs(v));
      for (const [label, t] of TRANSPOSES) {
        const got = await g.matmul(
          t.transA ? stored.at : stored.a,
          t.transB ? stored.bt : stored.b,
          m,
          n,
          k,
          t,
        );
        assertEquals(got.length, m * n);
        const d = maxAbsDiff(got, ref);
        worst = Math.max(worst, d / Math.max(1, refMax));
        // f32 sums of k products in a different order: |err| ~ sqrt(k) * eps * |terms|
        assert(d <= 2e-6 * Math.sqrt(k) * Math.max(1, refMax), `${label} ${m}x${n}x${k}: max abs diff ${d}`);
      }
      // the named entry points map onto the same variants
      assertEquals(await g.matmulABt(a, bt, m, n, k), await g.matmul(a, bt, m, n, k, { transB: true }));
      assertEquals(await g.matmulAB(a, stored.b, m, n, k), await g.matmul(a, stored.b, m, n, k, {}));
      assertEquals(
        await g.matmulAtB(stored.at, stored.b, m, n, k),
        await g.matmul(stored.at, stored.b, m, n, k, { transA: true }),
      );
    }
    console.log(
      `worst max abs diff / max(1, |ref|) over ${SHAPES.length} shapes x 4 variants: ${
        worst.toExponential(2)
      }`,
    );
  },
);

Deno.test(
  gpuTest("webgpu gemm: float64 oracle, accumulate into out, buffer reuse after larger products"),
  async () => {
    const g = await engine();
    const rng = new Rng(11);
    const [m, n, k] = [150, 97, 260];
    const a = randn(m * k, rng), bt = randn(n * k, rng);
    const ref = naiveABt(a, bt, m, n, k);
    const first = await g.matmulABt(a, bt, m, n, k);
    assert(maxAbsDiff(first, ref) < 1e-4, `vs float64: ${maxAbsDiff(first, ref)}`);
    // accumulate: out = C0 + A·Bᵀ
    const c0 = randn(m * n, rng);
    const out = c0.slice();
    const ret = await g.matmul(a, bt, m, n, k, { transB: true }, out, true);
    assert(ret === out, "the result is written into `out`");
    assert(maxAbsDiff(out, Float64Array.from(ref, (v, i) => v + c0[i])) < 1e-4);
    // small after large, then larger than before: stale buffer contents must not leak into results
    const sa = randn(3 * 5, rng), sb = randn(4 * 5, rng);
    assert(maxAbsDiff(await g.matmulABt(sa, sb, 3, 4, 5), naiveABt(sa, sb, 3, 4, 5)) < 1e-5);
    const [M, N, K] = [300, 211, 90];
    const la = randn(M * K, rng), lb = randn(N * K, rng);
    assert(maxAbsDiff(await g.matmulABt(la, lb, M, N, K), naiveABt(la, lb, M, N, K)) < 1e-4);
    // concurrent calls are serialised on the shared buffers
    const [x, y] = await Promise.all([g.matmulABt(sa, sb, 3, 4, 5), g.matmulABt(la, lb, M, N, K)]);
    assert(
      maxAbsDiff(x, naiveABt(sa, sb, 3, 4, 5)) < 1e-5 && maxAbsDiff(y, naiveABt(la, lb, M, N, K)) < 1e-4,
    );
    // empty and k = 0 products
    assertEquals((await g.matmulABt(new Float32Array(0), new Float32Array(0), 0, 3, 0)).length, 0);
    assertEquals([...await g.matmulABt(new Float32Array(0), new Float32Array(0), 2, 2, 0)], [0, 0, 0, 0]);
  },
);

Deno.test(gpuTest("webgpu gemm: mismatched operand sizes give a clear error"), async () => {
  const g = await engine();
  assertThrows(
    () => g.matmulABt(new Float32Array(5), new Float32Array(6), 2, 2, 3),
    RangeError,
    "A has 5 values, [2, 3] needs 6",
  );
  assertThrows(
    () => g.matmulAB(new Float32Array(6), new Float32Array(5), 2, 2, 3),
    RangeError,
    "B has 5 values, [3, 2] needs 6",
  );
  assertThrows(
    () => g.matmulABt(new Float32Array(6), new Float32Array(6), 2.5, 2, 3),
    RangeError,
    "m must be an integer",
  );
  // the engine still works after rejected calls
  assertEquals([...await g.matmulABt(Float32Array.of(1, 2), Float32Array.of(3, 4), 1, 1, 2)], [11]);
});

Deno.test("webgpu gemm: `auto` refuses a software adapter (or no adapter) with the reason and trains on wasm", async () => {
  const sel = await selectTrainingDevice("auto");
  console.log(`auto -> ${sel.device}: ${sel.reason}`);
  if (!probe.ok) {
    assertEquals(sel.device, "wasm");
    assert(sel.reason.includes(probe.description) && sel.reason.endsWith("training on wasm"), sel.reason);
  } else if (probe.software) {
    assertEquals(sel.device, "wasm");
    assert(sel.gemm === undefined && sel.parity === undefined);
    assert(
      /webgpu not used: software \(fallback\) adapter .*refused.*training on wasm/.test(sel.reason),
      sel.reason,
    );
    if (/llvmpipe/i.test(probe.description)) assert(sel.reason.includes("llvmpipe"), sel.reason);
    // an explicit webgpu request falls back the same way and says so on the log
    const logs: string[] = [];
    const w = await selectTrainingDevice("webgpu", { log: (s) => logs.push(s) });
    assertEquals(w.device, "wasm");
    assertEquals(logs.length, 1);
    assert(logs[0].includes("refused"), logs[0]);
  } else if (sel.device === "webgpu") {
    // a real adapter: only with a passing parity check
    assert(sel.parity?.passed && sel.gemm, sel.reason);
    sel.gemm!.dispose();
  } else assert(/parity check failed|failed/.test(sel.reason), sel.reason);
});
Deno.test("webgpu gemm: `wasm` needs no GPU; bad preferences are rejected", async () => {
  const sel = await selectTrainingDevice("wasm");
  assertEquals(sel.device, "wasm");
  assertEquals(sel.reason, "wasm requested");
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => selectTrainingDevice("cuda" as any),
    RangeError,
    "training device must be one of auto, wasm, webgpu, got 'cuda'",
  );
});

Deno.test("webgpu gemm: the parity check passes an exact engine and fails a wrong one (noise 0.5)", async () => {
  const rng = new Rng(3);
  // A fake engine computing the right products (via the WASM kernel) plus a perturbation.
  const fake = (noise: number): GpuGemm => ({
    adapter: "fake",
    software: true,
    matmulABt: () => Promise.reject(new Error("unused")),
    matmulAB: () => Promise.reject(new Error("unused")),
    matmulAtB: () => Promise.reject(new Error("unused")),
    matmul(a, b, m, n, k, t = {}) {
      const A = t.transA ? transpose(k, m, a) : a, B = t.transB ? b : transpose(k, n, b);
      const c = dotMatrix({ rows: m, cols: k, data: A }, { rows: n, cols: k, data: B }).data;
      for (let i = 0; i < c.length; i++) c[i] += noise * rng.normal();
      return Promise.resolve(c);
    },
    dispose() {},
  });
  const good = await parityCheck(fake(0));
  assert(good.passed && good.maxAbsDiff === 0, JSON.stringify(good));
  const bad = await parityCheck(fake(0.5));
  assert(!bad.passed && bad.maxAbsDiff > bad.tol, JSON.stringify(bad));
});

Deno.test(
  gpuTest(
    "webgpu gemm (sync, worker): blocking products equal dotMatrix; accumulate; errors; `auto` refuses",
  ),
  async () => {
    const r = await createGpuGemmSync({ allowFallbackAdapter: true });
    console.log(`sync engine: ${r.reason}`);
    if (!r.gemm) throw new Error(`no sync WebGPU GEMM although an adapter exists: ${r.reason}`);
    const g = r.gemm;
    try {
      assert(r.parity?.passed, JSON.stringify(r.parity));
      const rng = new Rng(21);
      for (const [m, n, k] of [[65, 63, 17], [7, 300, 129]] as const) {
        const a = randn(m * k, rng), bt = randn(n * k, rng);
        const ref = dotMatrix({ rows: m, cols: k, data: a }, { rows: n, cols: k, data: bt }).data;
        const at = transpose(m, k, a), b = transpose(n, k, bt);
        for (const [label, t] of TRANSPOSES) {
          const got = g.matmulSync(t.transA ? at : a, t.transB ? bt : b, m, n, k, t);
          assert(maxAbsDiff(got, ref) < 1e-4, `${label} ${m}x${n}x${k}: ${maxAbsDiff(got, ref)}`);
        }
        const out = Float32Array.from({ length: m * n }, () => 1);
        g.matmulSync(a, bt, m, n, k, { transB: true }, out, true);
        assert(maxAbsDiff(out, Float32Array.from(ref, (v) => v + 1)) < 1e-4);
      }
      assertThrows(
        () => g.matmulSync(new Float32Array(5), new Float32Array(6), 2, 2, 3),
        RangeError,
        "needs 6 and 6",
      );
    } finally {
      g.dispose();
    }
    assertThrows(() => g.matmulSync(Float32Array.of(1), Float32Array.of(1), 1, 1, 1), Error, "disposed");
    if (probe.software) {
      const sel = await selectTrainingDevice("auto", { sync: true });
      assertEquals(sel.device, "wasm");
      assert(sel.gemmSync === undefined && /refused/.test(sel.reason), sel.reason);
    }
  },
);

Deno.test({
  ...gpuTest("webgpu gemm: release the device"),
  fn() {
    shared?.dispose();
    shared = undefined;
  },
});
