/**
 * Fbank against real Kaldi output (compute-fbank-feats arks in ../shared/data/kaldi-fbank-reference);
 * on EVERY frame of real speech (LibriSpeech, AMI, 8 kHz Asterisk), each preset, against
 * torchaudio.compliance.kaldi.fbank and a float64 Kaldi-fbank oracle (tests/golden/gen_fbank_float64.py,
 * itself equal to torchaudio run entirely in float64 to 1e-11); the float64 real FFT against a direct
 * float64 DFT; WASM = TypeScript for both FFT arithmetics; streaming = batch; CMN against torchaudio's
 * sliding_window_cmn; option validation.
 */
import assert from "node:assert/strict";
import { readAudio } from "../core/audio/read.ts";
import { ConfigError } from "../core/errors.ts";
import { applyCmn } from "../core/features/cmn.ts";
import { RealFft64 } from "../core/features/fft64.ts";
import { fbank, FBANK_PRESETS, type FbankOptions, FbankStream, numFrames } from "../core/features/fbank.ts";
import type { Matrix } from "../core/matrix.ts";
import { Graph } from "../core/onnx/writer.ts";
import { golden, loadSherpa, maxAbsDiff, needsShared, shared, withTempDir } from "./helpers.ts";
import { everyFrameErrors } from "./fbank_golden.ts";
import { registry } from "../plugins/mod.ts";

const REF = "kaldi-fbank-reference";

/** Parses a Kaldi text ark holding one matrix. */
function readTextArk(path: string): number[][] {
  return Deno.readTextFileSync(path).split("\n").slice(1).map((l) => l.replace("]", "").trim()).filter((l) =>
    l
  )
    .map((l) => l.split(/\s+/).map(Number));
}

function maxErr(m: Matrix, ref: number[][]): number {
  assert.equal(m.rows, ref.length, "frame count");
  assert.equal(m.cols, ref[0].length, "column count");
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    for (let j = 0; j < m.cols; j++) e = Math.max(e, Math.abs(ref[i][j] - m.data[i * m.cols + j]));
  }
  return e;
}

const KALDI_CASES: [string, Partial<FbankOptions>][] = [
  ["test.txt", {}],
  ["test-40.txt", { numMelBins: 40 }],
  ["test-40-no-snip-edges.txt", { numMelBins: 40, snipEdges: false }],
  ["test-with-energy.txt", { useEnergy: true }],
  ["test-htk.txt", { useEnergy: true, htkCompat: true }],
];

Deno.test(
  needsShared("fbank matches real Kaldi compute-fbank-feats output (WASM and TS backends) < 1e-3"),
  async () => {
    const { samples } = await readAudio(shared(REF, "test.wav"));
    const report: string[] = [];
    for (const [file, opts] of KALDI_CASES) {
      const ref = readTextArk(shared(REF, file));
      for (const backend of ["wasm", "ts"] as const) {
        const e = maxErr(fbank(samples, { ...opts, dither: 0 }, backend), ref);
        report.push(`${file} ${backend}: ${e.toExponential(2)}`);
        assert.ok(e < 1e-3, `${file} (${backend}): max abs error ${e} vs Kaldi`);
      }
    }
    console.log(`max abs error vs Kaldi: ${report.join("; ")}`);
  },
);

interface TaGolden {
  sliding_cmn: {
    input: number[][];
    cases: { window: number; center: boolean; min_window: number; output: number[][] }[];
  };
}

Deno.test(
  needsShared(
    "fbank on EVERY frame of LibriSpeech, AMI and 8 kHz speech vs torchaudio and a float64 Kaldi oracle",
  ),
  async () => {
    const { g, rows } = await everyFrameErrors();
    const slack = 2 / g.quantisation.F + 2 / g.quantisation.T_minus_F; // golden quantisation
    const table = rows.map((r) =>
      `${r.c.key.padEnd(26)} ${String(r.c.frames).padStart(5)} x ${
        String(r.c.bins).padEnd(2)
      }  ours-torchaudio ${r.oursVsTorch.toExponential(2)}  ours-float64 ${
        r.oursVsF64.toExponential(2)
      }  torchaudio-float64 ${r.torchVsF64.toExponential(2)}`
    );
    console.log(table.join("\n"));
    for (const r of rows) {
      // the decoded torchaudio features reproduce the generator's own measurement
      assert.ok(Math.abs(r.torchVsF64 - r.c.torchaudio_vs_float64_max_abs) <= slack, r.c.key);
      // every frame, every preset: the largest differences sit in bins ~100 dB below the frame peak. The
      // kaldi preset reproduces Kaldi's float32 split-radix FFT (real Kaldi is 0.018-0.031 from float64
      // on its own test file); the others use the float64 FFT, leaving the float32 time-domain steps.
      const bound = FBANK_PRESETS[r.c.preset].fft === "float64" ? 4e-3 : 2e-2;
      assert.ok(r.oursVsTorch < 2e-2, `${r.c.key}: ours vs torchaudio ${r.oursVsTorch}`);
      assert.ok(r.oursVsF64 < bound, `${r.c.key}: ours vs float64 ${r.oursVsF64} (bound ${bound})`);
    }
    // real Kaldi's own float32 arithmetic is this far from the float64 oracle (kaldi-fbank-reference)
    console.log(
      g.kaldi_arks.map((k) => `Kaldi ${k.file} vs float64: ${k.kaldi_vs_float64_max_abs.toExponential(2)}`)
        .join("; "),
    );
  },
);

Deno.test(
  needsShared(
    "issue 17 target: wespeaker/3dspeaker presets no further from float64 than torchaudio, every frame of every file",
  ),
  async () => {
    // Their models were trained on torchaudio features. With Kaldi's float32 FFT ours was up to 4.5x
    // further (5.3e-3 vs 1.2e-3, 3dspeaker on LibriSpeech); the float64 FFT (fft: "float64") meets it.
    const { g, rows } = await everyFrameErrors();
    const slack = 2 / g.quantisation.F + 2 / g.quantisation.T_minus_F;
    const checked = rows.filter((r) => r.c.preset === "wespeaker" || r.c.preset === "3dspeaker");
    assert.equal(checked.length, 6, "3 recordings x 2 presets");
    for (const r of checked) {
      assert.equal(FBANK_PRESETS[r.c.preset].fft, "float64");
      assert.ok(
        r.oursVsF64 <= r.torchVsF64 + slack,
        `${r.c.key}: ours ${r.oursVsF64} vs torchaudio ${r.torchVsF64} from float64`,
      );
    }
  },
);

Deno.test(
  needsShared(
    "sherpa-onnx preset vs kaldi-native-fbank itself (sherpa-onnx-node), every frame of LibriSpeech",
  ),
  async () => {
    // sherpa-onnx 1.13.x pins knf v1.22.3 (KissFFT in float32). A model that only reshapes its [1, T, 80]
    // input to [1, T*80] makes sherpa-onnx's speaker-embedding extractor return knf's raw features.
    const sherpa = await loadSherpa();
    if (!sherpa) return;
    const { samples } = await readAudio(shared("librispeech/test-other/1688/1688-142285-0001.flac"));
    const ours = (fft: "float64" | "kaldi-float32") =>
      fbank(samples, { ...FBANK_PRESETS["sherpa-onnx"], cmn: "none", fft });
    const rows = ours("float64").rows;
    const g = new Graph("features");
    g.output(g.op("Reshape", [g.input("feats", [1, "T", 80]), g.i64([1, -1])]), "embs", [1, rows * 80]);
    // sherpa-onnx's metadata keys: x32768 input (normalize_samples 0), no feature_normalize_type (no CMN)
    const metadata = {
      framework: "wespeaker",
      output_dim: rows * 80,
      sample_rate: 16000,
      normalize_samples: 0,
    };
    await withTempDir(async (dir) => {
      await Deno.writeFile(`${dir}/f.onnx`, g.encode({ metadata: { ...metadata, language: "English" } }));
      const ex = new sherpa.SpeakerEmbeddingExtractor({
        model: `${dir}/f.onnx`,
        numThreads: 1,
        provider: "cpu",
      });
      const s = ex.createStream();
      s.acceptWaveform({ sampleRate: 16000, samples });
      s.inputFinished();
      const knf = ex.compute(s) as Float32Array;
      const rms = (a: Float32Array) => Math.sqrt(a.reduce((q, v, i) => q + (v - knf[i]) ** 2, 0) / a.length);
      const f64 = ours("float64").data, k32 = ours("kaldi-float32").data;
      console.log(
        `vs knf: float64 max ${maxAbsDiff(f64, knf).toExponential(2)} rms ${rms(f64).toExponential(2)}; ` +
          `kaldi-float32 max ${maxAbsDiff(k32, knf).toExponential(2)} rms ${rms(k32).toExponential(2)}`,
      );
      // the preset's float64 FFT is the nearer of our two paths to knf's float32 KissFFT (options.ts)
      assert.ok(maxAbsDiff(f64, knf) < 1e-2 && rms(f64) < 1e-4, "sherpa-onnx preset vs knf");
      assert.ok(maxAbsDiff(f64, knf) < maxAbsDiff(k32, knf) && rms(f64) < rms(k32));
    });
  },
);

Deno.test("sliding and per-utterance CMN match torchaudio sliding_window_cmn / column means", () => {
  const g = golden<TaGolden>("fbank_torchaudio.json").sliding_cmn;
  const x: Matrix = {
    rows: g.input.length,
    cols: g.input[0].length,
    data: Float32Array.from(g.input.flat()),
  };
  for (const c of g.cases) {
    const y = applyCmn(x, { window: c.window, center: c.center, minWindow: c.min_window });
    const e = maxAbsDiff(y.data, c.output.flat());
    assert.ok(e < 1e-4, `window ${c.window} center ${c.center}: ${e}`);
  }
  const u = applyCmn(x);
  for (let j = 0; j < x.cols; j++) {
    let s = 0;
    for (let i = 0; i < x.rows; i++) s += u.data[i * x.cols + j];
    assert.ok(Math.abs(s / x.rows) < 1e-5);
  }
});

function sweep(n: number, rate = 16000): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = 0.3 * Math.sin(2 * Math.PI * (200 + 2000 * i / n) * i / rate) + 0.01 * Math.sin(i * 1.7);
  }
  return x;
}

Deno.test("streaming gives the same frames as batch (dither on, both edge modes, odd chunk sizes)", () => {
  const x = sweep(16000 * 2 + 123);
  for (const [snipEdges, fft] of [[true, "float64"], [false, "float64"], [false, "kaldi-float32"]] as const) {
    const opts: Partial<FbankOptions> = {
      ...FBANK_PRESETS.wespeaker,
      dither: 1,
      ditherSeed: 42,
      snipEdges,
      fft,
    };
    const batch = fbank(x, opts);
    const s = new FbankStream(opts);
    const parts: Float32Array[] = [];
    let p = 0, k = 0;
    const sizes = [1, 159, 160, 161, 400, 7, 3333, 10];
    while (p < x.length) {
      const n = sizes[k++ % sizes.length];
      parts.push(s.accept(x.subarray(p, p + n)).data);
      p += n;
    }
    parts.push(s.finish().data);
    const got = new Float32Array(parts.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const q of parts) {
      got.set(q, o);
      o += q.length;
    }
    const raw = fbank(x, { ...opts, cmn: "none" });
    assert.equal(got.length, raw.data.length, `snipEdges=${snipEdges}: frame count`);
    assert.equal(maxAbsDiff(got, raw.data), 0, `snipEdges=${snipEdges}: streamed frames differ`);
    const s2 = new FbankStream(opts, "auto", true);
    s2.accept(x);
    const all = s2.finish({ all: true });
    assert.equal(maxAbsDiff(all.data, batch.data), 0, "finish({all}) applies the preset CMN like batch");
    assert.throws(() => new FbankStream(opts).finish({ all: true }), /keepAll|true\)/);
  }
});

Deno.test("every window type, magnitude spectrum, no log, energy floor, non-power-of-two FFT: WASM = TS", () => {
  const x = sweep(8000);
  const variants: Partial<FbankOptions>[] = [
    { windowType: "hamming" },
    { windowType: "hanning" },
    { windowType: "rectangular" },
    { windowType: "blackman", blackmanCoeff: 0.4 },
    { windowType: "sine" },
    { usePower: false },
    { useEnergy: true, rawEnergy: false, energyFloor: 1e6 },
    { numMelBins: 64, lowFreq: 0, highFreq: -200, frameLength: 32, frameShift: 16 },
  ];
  for (const v of variants) {
    const o = { ...v, dither: 0 };
    const a = fbank(x, o, "wasm"), b = fbank(x, o, "ts");
    assert.ok(
      maxAbsDiff(a.data, b.data) < 2e-4,
      `${JSON.stringify(v)}: wasm vs ts ${maxAbsDiff(a.data, b.data)}`,
    );
  }
  const lin = fbank(x, { useLog: false, dither: 0 }), lg = fbank(x, { dither: 0 });
  for (let i = 0; i < 50; i++) {
    assert.ok(Math.abs(Math.log(Math.max(lin.data[i], 1.1920929e-7)) - lg.data[i]) < 1e-4);
  }
  // roundToPowerOfTwo false: a 400-point FFT, which only the TS path (direct DFT) runs.
  const np2 = fbank(x, { roundToPowerOfTwo: false, dither: 0 });
  assert.equal(np2.cols, 23);
  assert.equal(np2.rows, numFrames(x.length, { ...FBANK_PRESETS.kaldi, roundToPowerOfTwo: false }));
  const floor = fbank(new Float32Array(800), {
    useEnergy: true,
    energyFloor: 2,
    dither: 0,
    removeDcOffset: false,
  });
  assert.ok(Math.abs(floor.data[0] - Math.log(2)) < 1e-6, "energy floor applies to silence");
});

Deno.test("float64 real FFT: power spectrum equals a direct float64 DFT (power-of-two and other sizes)", () => {
  for (const n of [4, 8, 16, 32, 256, 512, 1024, 400, 20]) {
    const x = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(i * 1.3) + 0.3 * Math.cos(i * i) + 1e-6 * i,
    );
    const y = x.slice();
    new RealFft64(n).power(y);
    let peak = 0, err = 0;
    for (let k = 0; k <= n / 2; k++) {
      let re = 0, im = 0;
      for (let j = 0; j < n; j++) {
        re += x[j] * Math.cos((2 * Math.PI * ((j * k) % n)) / n);
        im -= x[j] * Math.sin((2 * Math.PI * ((j * k) % n)) / n);
      }
      peak = Math.max(peak, re * re + im * im);
      err = Math.max(err, Math.abs(y[k] - (re * re + im * im)));
    }
    // float64 rounding only (a float32 FFT is ~1e-7 of the peak, Kaldi's recursion worse)
    assert.ok(err <= 1e-13 * peak, `n=${n}: max error ${err} (peak ${peak})`);
  }
});

Deno.test("fft float64: WASM = TypeScript to one float32 rounding (same algorithm, tables, operation order)", () => {
  const x = sweep(8000);
  const variants: Partial<FbankOptions>[] = [
    {},
    { windowType: "hamming", numMelBins: 80 },
    { windowType: "rectangular", inputScale: 1 },
    { windowType: "blackman", blackmanCoeff: 0.4, snipEdges: false },
    { usePower: false },
    { useLog: false },
    { useEnergy: true, htkCompat: true },
    { numMelBins: 64, lowFreq: 0, highFreq: -200, frameLength: 32, frameShift: 16 },
    { sampleRate: 8000, numMelBins: 40 },
  ];
  for (const v of variants) {
    const o: Partial<FbankOptions> = { ...v, dither: 0, fft: "float64" };
    const a = fbank(x, o, "wasm"), b = fbank(x, o, "ts");
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i] - b.data[i]), ulp = 2 ** (Math.floor(Math.log2(Math.abs(b.data[i]))) - 23);
      assert.ok(d <= ulp, `${JSON.stringify(v)} [${i}]: wasm ${a.data[i]} vs ts ${b.data[i]}`);
    }
    // the option matters: Kaldi's float32 FFT gives different features
    assert.ok(maxAbsDiff(a.data, fbank(x, { ...o, fft: "kaldi-float32" }, "wasm").data) > 0);
  }
  // non-power-of-two FFT sizes run in TypeScript: the option reaches the DFT path too (RealFft64 at n = 400
  // is checked against a direct DFT above; on this sweep's quiet bins Kaldi's float32 unpacking is 0.15 off)
  const np2 = { roundToPowerOfTwo: false, dither: 0 };
  assert.ok(maxAbsDiff(fbank(x, { ...np2, fft: "float64" }).data, fbank(x, np2).data) > 1e-3);
  assert.equal(FBANK_PRESETS.kaldi.fft, "kaldi-float32");
  for (const p of ["wespeaker", "3dspeaker", "sherpa-onnx"] as const) {
    assert.equal(FBANK_PRESETS[p].fft, "float64");
  }
});

Deno.test("options are validated with messages that name the option", () => {
  const x = sweep(1000);
  assert.throws(() => fbank(x, { numMelBin: 3 } as unknown as Partial<FbankOptions>), ConfigError);
  assert.throws(() => fbank(x, { vtlnWarp: 0.9 }), /vtlnWarp/);
  assert.throws(() => fbank(x, { highFreq: 9000 }), /highFreq/);
  assert.throws(() => fbank(x, { windowType: "kaiser" as "povey" }), /windowType/);
  assert.throws(
    () => fbank(x, { fft: "float32" as "float64" }),
    /'fft' must be one of kaldi-float32, float64/,
  );
  assert.throws(() => fbank(Float32Array.of(0, NaN), {}), /NaN/);
  assert.equal(fbank(new Float32Array(100)).rows, 0, "shorter than one frame: no frames with snip edges");
  assert.equal(fbank(new Float32Array(100), { snipEdges: false }).rows, 1);
});

Deno.test("options of the wrong type are refused, not coerced (booleans, NaN, seeds)", () => {
  // Before: snipEdges "false" (truthy) silently kept snip edges, highFreq NaN passed the Nyquist test,
  // and ditherSeed NaN ran with seed 0 while recording NaN.
  const x = sweep(1000);
  const bad = (o: Record<string, unknown>) => () => fbank(x, o as Partial<FbankOptions>);
  assert.throws(bad({ snipEdges: "false" }), /'snipEdges' must be one of true, false/);
  assert.throws(bad({ useEnergy: 1 }), /'useEnergy'/);
  assert.throws(bad({ cmnCenter: "yes" }), /'cmnCenter'/);
  assert.throws(bad({ highFreq: NaN }), /'highFreq'/);
  assert.throws(bad({ blackmanCoeff: NaN }), /'blackmanCoeff'/);
  assert.throws(bad({ dither: 1, ditherSeed: NaN }), /'ditherSeed'/);
  assert.throws(bad({ dither: 1, ditherSeed: 1.5 }), /'ditherSeed'/);
  assert.equal(fbank(x, { snipEdges: false, dither: 0 }).cols, 23);
});

Deno.test("dither is seeded: same seed, same features; another seed, different", () => {
  const x = sweep(4000);
  const a = fbank(x, { dither: 1, ditherSeed: 3 }), b = fbank(x, { dither: 1, ditherSeed: 3 });
  const c = fbank(x, { dither: 1, ditherSeed: 4 });
  assert.equal(maxAbsDiff(a.data, b.data), 0);
  assert.ok(maxAbsDiff(a.data, c.data) > 0);
});

Deno.test("fbank-stats backbone: audio shorter than one frame is an InputError, not a zero embedding", async () => {
  // Before: 100 samples (6 ms) gave zero fbank frames and an all-zero embedding without a word.
  const b = await registry.create("backbone", "fbank-stats", {});
  await assert.rejects(
    () => b.embed([{ id: "short.wav", sampleRate: 16000, samples: new Float32Array(100) }]),
    /short\.wav: 100 samples is shorter than one fbank frame \(25 ms\)/,
  );
  const [e] = await b.embed([{ id: "ok.wav", sampleRate: 16000, samples: sweep(4000) }]);
  assert.equal(e.length, 80);
});
