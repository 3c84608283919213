/**
 * Host side of the WASM SIMD fbank kernel (asm/src/fbank.ts): builds Kaldi's float tables (window,
 * mel filters, split-radix twiddles) and, for `fft: "float64"`, the float64 tables of fft64.ts (the same
 * numbers the TypeScript path uses), lays them out in the instance's memory and runs blocks of frames.
 * The module comes from the base64 TS module the asm build emits, so it loads synchronously and needs
 * no file access (works from JSR).
 * @module
 */
import { WASM_BASE64 } from "../../asm/build/fbank_wasm.ts";
import { wasmModule } from "../kernels/wasm.ts";
import { melBanks, windowFunction } from "./fbank_ts.ts";
import { splitRadixTables64, unpackTwiddles64 } from "./fft64.ts";
import { bitReversal, splitRadixTables } from "./fft_kaldi32.ts";
import { type FbankOptions, frameSizes } from "./options.ts";

interface FbankExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  configure(...args: number[]): void;
  configure64(tab64: number, unpack: number, melW64: number, powA: number, powB: number): void;
  fbankFrames(frames: number, count: number, out: number): void;
}

const BLOCK = 128; // frames per call (a multiple of 4)

/** Per-option-set WASM fbank processor (one WebAssembly instance each; tables stay in its memory). */
export class FbankWasm {
  readonly cols: number;
  readonly win: number;
  readonly #x: FbankExports;
  readonly #framesPtr: number;
  readonly #outPtr: number;

  constructor(readonly o: FbankOptions) {
    const { win, fft } = frameSizes(o);
    if ((fft & (fft - 1)) !== 0 || fft < 4) {
      throw new RangeError(`fbank WASM: FFT size ${fft} is not a power of two >= 4`);
    }
    this.win = win;
    this.cols = o.numMelBins + (o.useEnergy ? 1 : 0);
    const inst = new WebAssembly.Instance(wasmModule("fbank", WASM_BASE64), {});
    const x = inst.exports as unknown as FbankExports;
    this.#x = x;
    const nb = o.numMelBins, h = fft / 2;
    const logn = Math.log2(h);
    const banks = melBanks(o, fft);
    // Layout (bytes), everything 16-byte aligned.
    let p = align(x.heapBase());
    const take = (bytes: number) => {
      const at = p;
      p = align(p + bytes);
      return at;
    };
    const pWindow = take(win * 4);
    const pMelOff = take(nb * 4), pMelLen = take(nb * 4), pMelW = take(nb * 4);
    const wPtrs = banks.weights.map((w) => take(w.length * 4 + 16));
    const pTab = take((logn + 1) * 4);
    const tabPtrs: number[] = [];
    for (let i = 4; i <= logn; i++) tabPtrs[i] = take(6 * ((1 << i) / 4 - 2) * 4);
    const pBitrev = take(h * 4);
    const pBuf = take(fft * 16), pRe = take(h * 16), pIm = take(h * 16); // 4 frames, one per lane
    const f64 = o.fft === "float64";
    const tabs64 = f64 ? splitRadixTables64(logn) : [], unpack = f64 ? unpackTwiddles64(fft) : null;
    const pTab64 = f64 ? take((logn + 1) * 4) : 0;
    const tab64Ptrs = tabs64.map((t) => take(t.length * 8));
    const pUnpack = unpack ? take(unpack.length * 8) : 0;
    const pMelW64 = f64 ? take(nb * 4) : 0;
    const w64Ptrs = f64 ? banks.weights.map((w) => take(w.length * 8 + 16)) : [];
    const pPowA = f64 ? take((h + 1) * 16) : 0, pPowB = f64 ? take((h + 1) * 16) : 0; // f64x2 spectra
    this.#framesPtr = take(BLOCK * win * 4);
    this.#outPtr = take(BLOCK * this.cols * 4);
    const need = Math.ceil(p / 65536) - x.memory.buffer.byteLength / 65536;
    if (need > 0) x.memory.grow(need);
    const mem = x.memory.buffer;
    new Float32Array(mem, pWindow, win).set(windowFunction(o, win));
    new Int32Array(mem, pMelOff, nb).set(banks.offsets);
    new Int32Array(mem, pMelLen, nb).set(banks.weights.map((w) => w.length));
    new Int32Array(mem, pMelW, nb).set(wPtrs);
    banks.weights.forEach((w, b) => new Float32Array(mem, wPtrs[b], w.length).set(w));
    // Kaldi's split-radix tables, built once by the TS path (splitRadixTables) and copied in.
    const tabIdx = new Int32Array(mem, pTab, logn + 1);
    const tabs = splitRadixTables(logn);
    for (let i = 4; i <= logn; i++) {
      new Float32Array(mem, tabPtrs[i], tabs[i].length).set(tabs[i]);
      tabIdx[i] = tabPtrs[i];
    }
    new Int32Array(mem, pBitrev, h).set(bitReversal(logn));
    if (f64) {
      const idx64 = new Int32Array(mem, pTab64, logn + 1);
      tabs64.forEach((t, i) => {
        new Float64Array(mem, tab64Ptrs[i], t.length).set(t);
        idx64[i] = tab64Ptrs[i];
      });
      new Float64Array(mem, pUnpack, unpack!.length).set(unpack!);
      new Int32Array(mem, pMelW64, nb).set(w64Ptrs);
      banks.weights.forEach((w, b) => new Float64Array(mem, w64Ptrs[b], w.length).set(w));
    }
    const flags = (o.removeDcOffset ? 1 : 0) | (o.useEnergy ? 2 : 0) | (o.rawEnergy ? 4 : 0) |
      (o.useLog ? 8 : 0) | (o.usePower ? 16 : 0) | (o.htkCompat ? 32 : 0) | (f64 ? 64 : 0);
    const F = Math.fround, th = F((-2 * Math.PI) / fft);
    x.configure(
      win,
      fft,
      nb,
      flags,
      o.preemphasisCoefficient,
      o.energyFloor > 0 ? Math.log(o.energyFloor) : -Infinity,
      F(Math.cos(th)),
      F(Math.sin(th)),
      pWindow,
      pMelOff,
      pMelLen,
      pMelW,
      pTab,
      pBitrev,
      pBuf,
      pRe,
      pIm,
    );
    if (f64) x.configure64(pTab64, pUnpack, pMelW64, pPowA, pPowB);
  }

  /** Processes `count` extracted frames (rows of `win`) into `out` rows of `cols`. */
  process(frames: Float32Array, count: number, out: Float32Array, outOffset = 0): void {
    const x = this.#x, win = this.win, cols = this.cols;
    for (let f = 0; f < count; f += BLOCK) {
      const c = Math.min(BLOCK, count - f), c4 = Math.ceil(c / 4) * 4; // the kernel runs 4 frames at once
      const mem = x.memory.buffer;
      const fr = new Float32Array(mem, this.#framesPtr, c4 * win);
      fr.set(frames.subarray(f * win, (f + c) * win));
      if (c4 > c) fr.fill(0, c * win);
      x.fbankFrames(this.#framesPtr, c4, this.#outPtr);
      out.set(new Float32Array(mem, this.#outPtr, c * cols), outOffset + f * cols);
    }
  }
}

function align(p: number): number {
  return (p + 15) & ~15;
}
