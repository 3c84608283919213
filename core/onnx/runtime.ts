/**
 * THE one place that picks an ONNX Runtime execution provider (EP) and runs sessions.
 *
 * - `auto` (the default): onnxruntime-node when it loads (the CLI tasks grant its --allow-ffi, scoped to
 *   its folder), else WebGPU when it passes the checks below, else wasm; `epNote` says which and why.
 * - `wasm` (onnxruntime-web, threads + SIMD): runs everywhere (browsers, JSR without --allow-ffi), about
 *   7x slower than onnxruntime-node on the ResNet34 (bench/embed_bench.ts: RTF 0.30 vs 0.043).
 * - `webgpu` (onnxruntime-web/webgpu): only on a real (non-fallback) GPU adapter AND only after a parity
 *   check against wasm on a probe input; otherwise we fall back to wasm and say why (a software adapter
 *   such as llvmpipe was measured 10-80x slower than wasm and computed some Conv1d layers wrongly).
 * - `node` (onnxruntime-node, native CPU, needs --allow-ffi): the fast path, 7-10x faster than wasm here.
 *
 * Every loaded model reports which EP ran (`ep`) and why (`epNote`); pipelines put both in their outputs.
 * @module
 */
import { readModelHeader } from "./writer.ts";
import { Rng } from "../random.ts";
import { ConfigError } from "../errors.ts";
import { requestGpuAdapter } from "../kernels/webgpu_adapter.ts";

/** An execution provider that can actually run. */
export type EpName = "wasm" | "webgpu" | "node";
/** What a user may ask for (`--ep`). */
export type EpChoice = "auto" | EpName;
/** All `--ep` values. */
export const EP_CHOICES: readonly EpChoice[] = ["auto", "webgpu", "wasm", "node"];

/** A float tensor crossing the runtime boundary. */
export interface Tensor32 {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** An input tensor: float32, or int64 (sample rates, lengths). */
export interface InputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** Options for {@link loadOnnx}. */
export interface RuntimeOptions {
  /** Which EP to use (default "auto": node, else a parity-checked WebGPU, else wasm). */
  readonly ep?: EpChoice;
  /** CPU threads (wasm: env.wasm.numThreads, process-wide, fixed by the first session; node: intra-op). 0 = runtime default. */
  readonly threads?: number;
  /** Probe input for the webgpu parity check; default: seeded normal data shaped from the model's inputs (B=1, T=200). */
  readonly probe?: Record<string, InputTensor>;
  /** Parity tolerance: max |webgpu - wasm| <= tol * max(1, max |wasm|). Default 1e-3. */
  readonly parityTol?: number;
  /** Also try a software (fallback) WebGPU adapter; only for testing the parity check. */
  readonly allowSoftwareAdapter?: boolean;
  /** Where fall-back messages go (default: stderr). */
  readonly log?: (msg: string) => void;
}

/** A loaded model on one EP. */
export interface OnnxModel {
  /** The EP that runs this model. */
  readonly ep: EpName;
  /** Why this EP (e.g. the reason webgpu was refused, with the parity max abs diff). */
  readonly epNote: string;
  /** Threads used by the CPU EP (wasm: the process-wide setting). */
  readonly threads: number;
  /** webgpu parity check result when one ran. */
  readonly parity?: { readonly maxAbsDiff: number; readonly passed: boolean };
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model on float inputs; returns every output. */
  run(feeds: Record<string, InputTensor>): Promise<Record<string, Tensor32>>;
  dispose(): Promise<void>;
}

/** Checks an --ep value, with the allowed list in the error. */
export function parseEp(v: string): EpChoice {
  if (!EP_CHOICES.includes(v as EpChoice)) {
    throw new ConfigError("runtime", `--ep must be one of ${EP_CHOICES.join(", ")}, got '${v}'`);
  }
  return v as EpChoice;
}

// deno-lint-ignore no-explicit-any
type OrtModule = any;

let wasmThreads: number | undefined;
async function ortWasm(threads: number): Promise<{ ort: OrtModule; threads: number }> {
  const ort = await import("onnxruntime-web");
  if (wasmThreads === undefined) {
    // numThreads is read once, when the wasm backend initialises; later sessions share it. Under Deno the
    // default is 1: with 2 threads the ECAPA (zoo embedkit-ecapa-librispeech) hung for good, main thread
    // spinning in wasm, in 5 of 32 CLI `embed` processes (threads=1: 0 of 16, and no slower on 2 cores).
    const auto = "Deno" in globalThis ? 1 : Math.min(4, navigator.hardwareConcurrency ?? 1);
    wasmThreads = threads > 0 ? threads : auto;
    ort.env.wasm.numThreads = wasmThreads;
    ort.env.logLevel = "error";
  }
  return { ort, threads: wasmThreads };
}

async function ortNode(): Promise<OrtModule> {
  try {
    return await import("onnxruntime-node");
  } catch (e) {
    throw new ConfigError(
      "runtime",
      `--ep node needs onnxruntime-node (install with ONNXRUNTIME_NODE_INSTALL=skip) and --allow-ffi: ${
        (e as Error).message
      }`,
    );
  }
}

interface RawSession {
  ep: EpName;
  threads: number;
  inputNames: string[];
  outputNames: string[];
  run(feeds: Record<string, InputTensor>): Promise<Record<string, Tensor32>>;
  dispose(): Promise<void>;
}

async function openSession(bytes: Uint8Array, ep: EpName, threads: number): Promise<RawSession> {
  let ort: OrtModule;
  let usedThreads = threads;
  // deno-lint-ignore no-explicit-any
  const sessOpts: any = { graphOptimizationLevel: "all" };
  if (ep === "wasm") {
    ({ ort, threads: usedThreads } = await ortWasm(threads));
    sessOpts.executionProviders = ["wasm"];
  } else if (ep === "node") {
    ort = await ortNode();
    sessOpts.executionProviders = ["cpu"];
    if (threads > 0) sessOpts.intraOpNumThreads = threads;
    sessOpts.interOpNumThreads = 1;
  } else {
    ort = await import("onnxruntime-web/webgpu");
    ort.env.logLevel = "error";
    sessOpts.executionProviders = ["webgpu"];
  }
  const session = await ort.InferenceSession.create(bytes, sessOpts);
  return {
    ep,
    threads: usedThreads,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    async run(feeds) {
      const f: Record<string, unknown> = {};
      for (const [k, t] of Object.entries(feeds)) {
        f[k] = new ort.Tensor(t.data instanceof BigInt64Array ? "int64" : "float32", t.data, [...t.dims]);
      }
      const out = await session.run(f);
      const res: Record<string, Tensor32> = {};
      for (const k of session.outputNames as string[]) {
        const t = out[k];
        const data = t.data instanceof Float32Array
          ? t.data
          : Float32Array.from(t.data as ArrayLike<number | bigint>, Number);
        res[k] = { dims: [...t.dims].map(Number), data };
      }
      return res;
    },
    async dispose() {
      await session.release?.();
    },
  };
}

function firstLine(e: unknown): string {
  // drop ANSI colour codes Deno puts in some error messages
  return String((e as Error)?.message ?? e).split("\n")[0].replaceAll(String.fromCharCode(27), "")
    .replace(/\[[0-9;]*m/g, "");
}

/** Seeded probe input from the model's declared inputs: symbolic dims -> 1 (batch) or 200 (time). */
export function defaultProbe(bytes: Uint8Array, seed = 1234): Record<string, InputTensor> {
  const h = readModelHeader(bytes);
  const rng = new Rng(seed);
  const probe: Record<string, InputTensor> = {};
  for (const inp of h.inputs) {
    const dims = inp.dims.map((d, i) => (typeof d === "number" && d > 0 ? d : i === 0 ? 1 : 200));
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    probe[inp.name] = { dims, data };
  }
  return probe;
}

/** Max |a - b| over every output, and the largest |reference| value. */
export function outputDiff(
  ref: Record<string, Tensor32>,
  got: Record<string, Tensor32>,
): { maxAbsDiff: number; refMax: number } {
  let maxAbsDiff = 0, refMax = 0;
  for (const [k, r] of Object.entries(ref)) {
    const g = got[k];
    if (!g || g.data.length !== r.data.length) return { maxAbsDiff: Infinity, refMax };
    for (let i = 0; i < r.data.length; i++) {
      const d = Math.abs(r.data[i] - g.data[i]);
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
      refMax = Math.max(refMax, Math.abs(r.data[i]));
    }
  }
  return { maxAbsDiff, refMax };
}

/**
 * Describes the WebGPU adapter, or why there is none. The detection (including what counts as a software
 * adapter) lives in core/kernels/webgpu_adapter.ts, shared with the training GEMM.
 */
export async function probeAdapter(): Promise<{ ok: boolean; software: boolean; description: string }> {
  const { ok, software, description } = await requestGpuAdapter();
  return { ok, software, description };
}

/**
 * Loads a model on the requested EP. `webgpu`/`auto` fall back to wasm, with the reason in `epNote`
 * and on `log`, when there is no real adapter or when the parity check against wasm fails.
 */
export async function loadOnnx(bytes: Uint8Array, opts: RuntimeOptions = {}): Promise<OnnxModel> {
  const choice = opts.ep ?? "auto";
  parseEp(choice);
  const threads = opts.threads ?? 0;
  const log = opts.log ?? ((m: string) => console.error(m));
  const wrap = (s: RawSession, note: string, parity?: OnnxModel["parity"]): OnnxModel => ({
    ...s,
    epNote: note,
    parity,
  });

  if (choice === "wasm" || choice === "node") {
    return wrap(await openSession(bytes, choice, threads), `${choice} requested`);
  }
  let nodeWhy = "";
  if (choice === "auto") {
    try {
      return wrap(await openSession(bytes, "node", threads), "auto: onnxruntime-node (native CPU) loaded");
    } catch (e) {
      nodeWhy = `onnxruntime-node unavailable (${firstLine(e)}); `;
    }
  }
  const wasm = await openSession(bytes, "wasm", threads);
  const adapter = await probeAdapter();
  const fallback = (why: string): OnnxModel => {
    const note = choice === "auto"
      ? `auto: ${nodeWhy}webgpu not used: ${why}; running on wasm (about 7x slower than onnxruntime-node on ` +
        "the ResNet34; grant --allow-ffi to the onnxruntime-node folder for the native path)"
      : `webgpu not used: ${why}; running on wasm`;
    if (choice === "webgpu") log(`embedkit: ${note}`);
    return wrap(wasm, note);
  };
  if (!adapter.ok) return fallback(adapter.description);
  if (adapter.software && !opts.allowSoftwareAdapter) {
    return fallback(`${adapter.description} (software adapters are slow and unreliable)`);
  }
  let gpu: RawSession;
  try {
    gpu = await openSession(bytes, "webgpu", threads);
  } catch (e) {
    return fallback(`session creation failed (${(e as Error).message.split("\n")[0]})`);
  }
  const probe = opts.probe ?? defaultProbe(bytes);
  let d: { maxAbsDiff: number; refMax: number };
  try {
    d = outputDiff(await wasm.run(probe), await gpu.run(probe));
  } catch (e) {
    await gpu.dispose();
    return fallback(`probe run failed (${(e as Error).message.split("\n")[0]})`);
  }
  const tol = (opts.parityTol ?? 1e-3) * Math.max(1, d.refMax);
  const passed = d.maxAbsDiff <= tol;
  if (!passed) {
    await gpu.dispose();
    const m = fallback(
      `parity check failed on ${adapter.description}: max abs diff vs wasm ${
        d.maxAbsDiff.toExponential(3)
      } > ${tol.toExponential(1)}`,
    );
    return { ...m, parity: { maxAbsDiff: d.maxAbsDiff, passed } };
  }
  await wasm.dispose();
  return wrap(
    gpu,
    `${
      choice === "auto" ? `auto: ${nodeWhy}` : ""
    }webgpu on ${adapter.description}; parity vs wasm max abs ` +
      `diff ${d.maxAbsDiff.toExponential(3)}`,
    {
      maxAbsDiff: d.maxAbsDiff,
      passed,
    },
  );
}
