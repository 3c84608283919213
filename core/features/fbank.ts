/**
 * Kaldi-compatible log mel filterbank features, batch and streaming.
 *
 * Frames are cut (and dithered) in TypeScript; the per-frame work (DC removal, energy, preemphasis,
 * window, FFT, power, mel, log) runs in the WASM SIMD kernel (asm/src/fbank.ts) when the FFT size is a
 * power of two, else in the TypeScript reference (fbank_ts.ts). The `fft` option picks the FFT
 * arithmetic: "kaldi-float32" (the kaldi preset; both paths match real Kaldi output to 1.1e-4) or
 * "float64" (the toolkit presets; both paths give the same features to one float32 rounding).
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { Rng } from "../random.ts";
import { applyCmn } from "./cmn.ts";
import { extractFrames, FbankTs } from "./fbank_ts.ts";
import { FbankWasm } from "./fbank_wasm.ts";
import { type FbankOptions, fbankOptions, frameSizes, numFrames } from "./options.ts";

export {
  FBANK_PRESETS,
  type FbankOptions,
  fbankOptions,
  type FftPrecision,
  KALDI_DEFAULTS,
  numFrames,
} from "./options.ts";
export { applyCmn } from "./cmn.ts";

/** Which implementation runs the per-frame work. */
export type FbankBackend = "auto" | "wasm" | "ts";

/** The per-frame processor both backends implement. */
export interface FrameProcessor {
  readonly cols: number;
  process(frames: Float32Array, count: number, out: Float32Array, outOffset?: number): void;
}

/** Picks the backend: WASM for power-of-two FFT sizes, TypeScript otherwise (or when forced). */
export function frameProcessor(o: FbankOptions, backend: FbankBackend = "auto"): FrameProcessor {
  const { fft } = frameSizes(o);
  const pow2 = (fft & (fft - 1)) === 0;
  if (backend === "ts" || (backend === "auto" && !pow2)) return new FbankTs(o);
  if (!pow2) {
    throw new RangeError("fbank: the WASM backend needs roundToPowerOfTwo (a power-of-two FFT size)");
  }
  if (backend === "wasm") return new FbankWasm(o);
  try {
    return new FbankWasm(o);
  } catch (e) {
    // No WebAssembly SIMD here: the TypeScript path gives the same features (tested), 3-7x slower.
    if (!warned) console.error(`fbank: WASM kernel unavailable (${(e as Error).message}); using TypeScript`);
    warned = true;
    return new FbankTs(o);
  }
}
let warned = false; // warn once per process about the fallback

const BLOCK = 256; // frames cut per block: bounds the temporary buffer for long files

function scaled(samples: Float32Array, scale: number): Float32Array {
  if (scale === 1) return samples;
  const s = new Float32Array(samples.length);
  for (let i = 0; i < s.length; i++) s[i] = samples[i] * scale;
  return s;
}

function assertSamples(samples: Float32Array): void {
  if (!(samples instanceof Float32Array)) throw new TypeError("fbank: samples must be a Float32Array (mono)");
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new RangeError(`fbank: sample ${i} is ${samples[i]}; the audio holds NaN/Inf, repair or drop it`);
    }
  }
}

function postprocess(m: Matrix, o: FbankOptions): Matrix {
  if (o.cmn === "utterance") return applyCmn(m);
  if (o.cmn === "sliding") return applyCmn(m, { window: o.cmnWindow, center: o.cmnCenter });
  return m;
}

/**
 * Fbank of mono `samples` in [-1, 1] at `opts.sampleRate`: a frames x bins matrix (plus the energy
 * column when useEnergy). Defaults are Kaldi's; pass `{...FBANK_PRESETS.wespeaker}` for a toolkit preset.
 */
export function fbank(
  samples: Float32Array,
  opts: Partial<FbankOptions> = {},
  backend: FbankBackend = "auto",
): Matrix {
  const o = fbankOptions(opts);
  assertSamples(samples);
  const proc = frameProcessor(o, backend);
  const { win } = frameSizes(o);
  const n = numFrames(samples.length, o);
  const out = new Float32Array(n * proc.cols);
  if (n > 0) {
    const sig = scaled(samples, o.inputScale);
    const rng = o.dither !== 0 ? new Rng(o.ditherSeed) : null;
    const frames = new Float32Array(Math.min(BLOCK, n) * win);
    for (let f = 0; f < n; f += BLOCK) {
      const c = Math.min(BLOCK, n - f);
      extractFrames(sig, o, f, c, rng, frames);
      proc.process(frames, c, out, f * proc.cols);
    }
  }
  return postprocess({ rows: n, cols: proc.cols, data: out }, o);
}

/**
 * Streaming fbank: feed chunks with accept(), get the frames that are complete; finish() returns the
 * rest. The concatenated frames equal fbank() of the whole signal (same dither sequence). Per-utterance
 * or sliding CMN need the whole utterance, so they are applied only to the output of finish({all}),
 * which needs the stream made with `keepAll` (it keeps every frame; off by default for live streams).
 */
export class FbankStream {
  readonly options: FbankOptions;
  readonly #proc: FrameProcessor;
  readonly #rng: Rng | null;
  readonly #win: number;
  #buf = new Float32Array(0);
  #bufStart = 0; // absolute index of #buf[0]
  #received = 0;
  #emitted = 0;
  #all: Float32Array[] = [];

  readonly #keepAll: boolean;

  constructor(opts: Partial<FbankOptions> = {}, backend: FbankBackend = "auto", keepAll = false) {
    this.#keepAll = keepAll;
    this.options = fbankOptions(opts);
    this.#proc = frameProcessor(this.options, backend);
    this.#rng = this.options.dither !== 0 ? new Rng(this.options.ditherSeed) : null;
    this.#win = frameSizes(this.options).win;
  }

  /** Number of feature columns. */
  get cols(): number {
    return this.#proc.cols;
  }

  /** Adds samples; returns the frames that no later sample can change (before CMN). */
  accept(chunk: Float32Array): Matrix {
    assertSamples(chunk);
    const s = scaled(chunk, this.options.inputScale);
    const merged = new Float32Array(this.#buf.length + s.length);
    merged.set(this.#buf);
    merged.set(s, this.#buf.length);
    this.#buf = merged;
    this.#received += s.length;
    const o = this.options;
    // Frame f is final when its samples are all in and it exists for any longer total length.
    let ready = this.#emitted;
    const limit = numFrames(this.#received, o);
    while (ready < limit) {
      const start = o.snipEdges ? ready * frameSizes(o).shift : firstFrameStart(ready, o);
      if (start + this.#win > this.#received) break;
      ready++;
    }
    return this.#emit(ready - this.#emitted, this.#received + 1);
  }

  /** Ends the stream: returns the remaining frames, or with `{ all: true }` every frame with CMN applied. */
  finish(opts: { all?: boolean } = {}): Matrix {
    const n = numFrames(this.#received, this.options);
    const rest = this.#emit(n - this.#emitted, this.#received);
    if (!opts.all) return rest;
    if (!this.#keepAll) {
      throw new RangeError("FbankStream.finish({ all: true }) needs new FbankStream(opts, backend, true)");
    }
    const data = new Float32Array(n * this.cols);
    let p = 0;
    for (const a of this.#all) {
      data.set(a, p);
      p += a.length;
    }
    return postprocess({ rows: n, cols: this.cols, data }, this.options);
  }

  #emit(count: number, total: number): Matrix {
    const cols = this.cols;
    const out = new Float32Array(Math.max(0, count) * cols);
    if (count > 0) {
      const frames = new Float32Array(count * this.#win);
      // `total` is only used for reflection at the end, which happens in finish() (total = received).
      extractFrames(this.#buf, this.options, this.#emitted, count, this.#rng, frames, this.#bufStart, total);
      this.#proc.process(frames, count, out, 0);
      this.#emitted += count;
    }
    if (this.#keepAll) this.#all.push(out);
    this.#trim();
    return { rows: Math.max(0, count), cols, data: out };
  }

  /** Drops samples no future frame needs (keeps the start for reflection at the beginning). */
  #trim(): void {
    const next = firstFrameStart(this.#emitted, this.options);
    const keepFrom = Math.max(0, next - this.#win); // margin for reflection near the beginning
    if (keepFrom > this.#bufStart + 4096) {
      this.#buf = this.#buf.slice(keepFrom - this.#bufStart);
      this.#bufStart = keepFrom;
    }
  }
}

function firstFrameStart(f: number, o: FbankOptions): number {
  const { win, shift } = frameSizes(o);
  return o.snipEdges ? f * shift : f * shift + Math.floor(shift / 2) - Math.floor(win / 2);
}
