/**
 * NeMo's mel front end (core/features/nemo_mel.ts) and NeMo models in the onnx-speaker backbone.
 * Oracle: tests/golden/nemo_mel.json from tests/golden/gen_nemo_mel.py: an independent float64 numpy
 * implementation (slaney mel built from librosa's formula), cross-checked there against NeMo's
 * FilterbankFeatures.forward transcribed op for op in float32 torch (torch.stft constant padding,
 * torch.hann_window(periodic=False)). End to end: a TitaNet-shaped ONNX model with NeMo's export
 * conventions (audio_signal [B,80,T] + length int64 -> logits, embs), whose embedding must equal the
 * same graph computed here in TypeScript on the front end's features.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { golden, maxAbsDiff, needsShared, shared, withTempDir } from "./helpers.ts";
import { readAudio } from "../core/audio/read.ts";
import {
  NEMO_TITANET,
  nemoMel,
  nemoMelFromMetadata,
  type NemoMelOptions,
  nemoSeqLen,
  nemoStftFrames,
  slaneyMelFilterbank,
  torchWindow,
} from "../core/features/nemo_mel.ts";
import { ConfigError } from "../core/errors.ts";
import { Graph, readModelHeader } from "../core/onnx/writer.ts";
import { conv1d, linear, relu, type StateDict, WeightSource } from "../core/onnx/layers.ts";
import { resolveFrontEnd } from "../core/onnx/frontend.ts";
import { registry } from "../plugins/mod.ts";
import { chunkWindows } from "../plugins/backbones/onnx-speaker.ts";
import { Rng } from "../core/random.ts";

interface GoldenCase {
  name: string;
  slice: [number, number] | null;
  samples: number;
  options: {
    sr: number;
    window_size: number;
    window_stride: number;
    window: "hann" | "hamming";
    n_fft: number;
    features: number;
    lowfreq: number;
    highfreq: number | null;
    preemph: number;
    guard: number;
    normalize: "per_feature" | "all_features";
    pad_to: number;
    pad_mode: "constant" | "reflect";
    legacy_seq_len: boolean;
  };
  seq_len: number;
  stft_frames: number;
  rows: number;
  torch32_vs_numpy64_max_abs: number;
  mean: number[];
  std: number[];
  frame_index: number[];
  values: number[][];
}
interface Golden {
  file: string;
  cases: GoldenCase[];
  melbank_16k_512_80: { start: number; values: number[] }[];
  hann_400_symmetric: { index: number[]; values: number[]; torch: number[] };
}
const G = golden<Golden>("nemo_mel.json");

function optionsOf(c: GoldenCase["options"]): NemoMelOptions {
  return {
    ...NEMO_TITANET,
    sampleRate: c.sr,
    windowSize: c.window_size,
    windowStride: c.window_stride,
    window: c.window,
    nFft: c.n_fft,
    features: c.features,
    lowfreq: c.lowfreq,
    highfreq: c.highfreq ?? 0,
    preemph: c.preemph,
    logZeroGuardValue: c.guard,
    normalize: c.normalize,
    padTo: c.pad_to,
    stftPadMode: c.pad_mode,
    seqLenRule: c.legacy_seq_len ? "legacy" : "floor",
  };
}

let audioCache: Float32Array | undefined;
async function libri(): Promise<Float32Array> {
  audioCache ??= (await readAudio(shared(G.file))).samples;
  return audioCache;
}

function caseSamples(c: GoldenCase, audio: Float32Array): Float32Array {
  let x = c.slice ? audio.slice(c.slice[0], c.slice[0] + c.slice[1]) : audio;
  if (c.options.sr === 8000) x = x.filter((_, i) => i % 2 === 0); // the generator's short[::2]
  assertEquals(x.length, c.samples);
  return x;
}

Deno.test(
  needsShared("nemo mel: matches the numpy/torch oracle on LibriSpeech (4 configurations)"),
  async () => {
    const audio = await libri();
    for (const c of G.cases) {
      const r = nemoMel(caseSamples(c, audio), optionsOf(c.options));
      assertEquals([r.seqLen, r.stftFrames, r.feats.rows, r.feats.cols], [
        c.seq_len,
        c.stft_frames,
        c.rows,
        c.options.features,
      ], c.name);
      let err = 0;
      c.frame_index.forEach((t, k) => {
        const row = r.feats.data.subarray(t * r.feats.cols, (t + 1) * r.feats.cols);
        err = Math.max(err, maxAbsDiff(row, c.values[k]));
      });
      const meanErr = maxAbsDiff(r.mean!, c.mean), stdErr = maxAbsDiff(r.std!, c.std);
      console.log(
        `${c.name}: ${c.samples} samples, seq_len ${r.seqLen}/${r.stftFrames} frames, rows ${r.feats.rows}; ` +
          `max abs err ${err.toExponential(2)} (mean ${meanErr.toExponential(2)}, std ${
            stdErr.toExponential(2)
          }); ` +
          `oracle's own float32-vs-float64 spread ${c.torch32_vs_numpy64_max_abs.toExponential(2)}`,
      );
      assert(err < 1e-4, `${c.name}: features differ from the oracle by ${err}`);
      assert(meanErr < 1e-5 && stdErr < 1e-5, `${c.name}: mean/std err ${meanErr} ${stdErr}`);
      // masked frames and NeMo's pad_to frames hold pad_value (0)
      for (let i = r.seqLen * r.feats.cols; i < r.feats.data.length; i++) assertEquals(r.feats.data[i], 0);
    }
  },
);

Deno.test("nemo mel: slaney filterbank and symmetric hann equal librosa's definition / torch", () => {
  const fb = slaneyMelFilterbank(16000, 512, 80, 0, 8000);
  assertEquals(fb.length, 80);
  let err = 0;
  fb.forEach((row, m) => {
    const g = G.melbank_16k_512_80[m];
    const nz = [...row.keys()].filter((k) => row[k] !== 0);
    assertEquals(nz[0], g.start, `mel row ${m} starts at another bin`);
    assertEquals(nz.at(-1)! - nz[0] + 1, g.values.length, `mel row ${m} spans another width`);
    g.values.forEach((v, k) => (err = Math.max(err, Math.abs(row[g.start + k] - v) / Math.abs(v || 1))));
  });
  assert(err < 1e-6, `mel weights differ (rel ${err})`);
  const w = torchWindow("hann", 400);
  const h = G.hann_400_symmetric;
  assert(maxAbsDiff(h.index.map((i) => w[i]), h.torch) < 1e-6);
  assertEquals([w[0], w[399]], [0, 0]); // symmetric (periodic=False): both ends are zero
});

Deno.test("nemo mel: seq_len rule, frame padding, dither, bad input", () => {
  // 1 s at 16 kHz: torch.stft gives 101 frames, NeMo >= 2.0's seq_len is 100, padded to 112.
  const o = NEMO_TITANET;
  assertEquals([nemoSeqLen(16000, o), nemoStftFrames(16000, o)], [100, 101]);
  assertEquals(nemoSeqLen(16000, { ...o, seqLenRule: "legacy" }), 101);
  assertEquals([nemoSeqLen(159, o), nemoSeqLen(160, o), nemoSeqLen(0, o)], [0, 1, 0]);
  const r = new Rng(5);
  const x = Float32Array.from({ length: 16000 }, () => 0.1 * r.normal());
  const a = nemoMel(x);
  assertEquals([a.seqLen, a.stftFrames, a.feats.rows], [100, 101, 112]);
  // dither: off by default (NeMo eval), seeded when on
  const d1 = nemoMel(x, { ...o, dither: 1e-3, ditherSeed: 7 }),
    d2 = nemoMel(x, { ...o, dither: 1e-3, ditherSeed: 7 });
  assertEquals(maxAbsDiff(d1.feats.data, d2.feats.data), 0);
  const dd = maxAbsDiff(d1.feats.data, a.feats.data);
  assert(dd > 0 && dd < 0.5, `dither changed features by ${dd}`);
  assertThrows(() => nemoMel(new Float32Array(300)), RangeError, "normalisation needs >= 2");
  assertThrows(
    () => nemoMel(Float32Array.of(0, NaN, ...new Float32Array(400))),
    RangeError,
    "sample 1 is NaN",
  );
  assertThrows(() => nemoMel(x, { ...o, nFft: 300 }), ConfigError, "power of two");
  assertThrows(() => nemoMel(x, { ...o, nFft: 256 }), ConfigError, "longer than nFft");
  // before: log "false" (a truthy string) took the log anyway; padValue NaN reached the model input
  assertThrows(() => nemoMel(x, { ...o, log: "false" as unknown as boolean }), ConfigError, "'log'");
  assertThrows(() => nemoMel(x, { ...o, padValue: NaN }), ConfigError, "'padValue'");
  // sherpa-onnx's NeMo export metadata -> options
  const m = nemoMelFromMetadata({
    framework: "nemo",
    sample_rate: "16000",
    feat_dim: "80",
    window_size_ms: "25",
    window_stride_ms: "10",
    window_type: "hann",
    feature_normalize_type: "per_feature",
  });
  assertEquals(m, NEMO_TITANET);
});

// ---------------------------------------------------------------------------------------------
// A TitaNet-shaped model: NeMo's export signature, conv + masked statistics pooling + embedding +
// classifier, so `length` changes the result.
const C = 16, D = 8, N = 5, F = 80;

function stateDict(seed: number): StateDict {
  const r = new Rng(seed);
  const t = (shape: number[], s: number) => ({
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal() * s),
  });
  return {
    "enc.weight": t([C, F, 3], 0.1),
    "enc.bias": t([C], 0.1),
    "emb.weight": t([D, 2 * C], 0.3),
    "emb.bias": t([D], 0.1),
    "cls.weight": t([N, D], 0.3),
    "cls.bias": t([N], 0.1),
  };
}

function buildNemoLike(sd: StateDict, metadata: Record<string, string>): Uint8Array {
  const w = new WeightSource(undefined, sd);
  const g = new Graph("titanet-like");
  const x = g.input("audio_signal", ["B", F, "T"]);
  const len = g.input("length", ["B"], "int64");
  const h = relu(g, conv1d(g, w, "enc", x, F, C, 3));
  // mask [B,1,T] = arange(T) < length
  const T = g.op("Squeeze", [g.op("Gather", [g.op("Shape", [h]), g.i64([2])], { axis: 0 }), g.i64([0])]);
  const s0 = g.init("zero_i64", [], BigInt64Array.of(0n)), s1 = g.init("one_i64", [], BigInt64Array.of(1n));
  const range = g.op("Unsqueeze", [g.op("Range", [s0, T, s1]), g.i64([0])]);
  const lenCol = g.op("Unsqueeze", [len, g.i64([1])]);
  const mask = g.op("Unsqueeze", [g.op("Cast", [g.op("Less", [range, lenCol])], { to: 1 }), g.i64([1])]);
  const lenF = g.op("Cast", [lenCol], { to: 1 });
  const mean = g.op("Div", [g.op("ReduceSum", [g.op("Mul", [h, mask]), g.i64([2])], { keepdims: 0 }), lenF]);
  const diff = g.op("Mul", [g.op("Sub", [h, g.op("Unsqueeze", [mean, g.i64([2])])]), mask]);
  const v = g.op("Div", [
    g.op("ReduceSum", [g.op("Mul", [diff, diff]), g.i64([2])], { keepdims: 0 }),
    g.op("Sub", [lenF, g.f32([1])]),
  ]);
  const std = g.op("Sqrt", [g.op("Add", [v, g.f32([1e-7])])]);
  const emb = linear(g, w, "emb", g.op("Concat", [mean, std], { axis: 1 }), 2 * C, D);
  const logits = linear(g, w, "cls", emb, D, N);
  g.output(logits, "logits", ["B", N]);
  g.output(emb, "embs", ["B", D]);
  return g.encode({ metadata });
}

/** The same graph in float64 TypeScript on features [rows x F] (row-major, NeMo frames as rows). */
function referenceEmbedding(sd: StateDict, feats: Float32Array, rows: number, length: number): Float64Array {
  const W = sd["enc.weight"].data, B = sd["enc.bias"].data;
  const h = new Float64Array(C * rows);
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < rows; t++) {
      let s = B[c];
      for (let k = 0; k < 3; k++) {
        const tt = t + k - 1;
        if (tt < 0 || tt >= rows) continue;
        for (let f = 0; f < F; f++) s += W[(c * F + f) * 3 + k] * feats[tt * F + f];
      }
      h[c * rows + t] = Math.max(0, s);
    }
  }
  const pooled = new Float64Array(2 * C);
  for (let c = 0; c < C; c++) {
    let m = 0;
    for (let t = 0; t < length; t++) m += h[c * rows + t];
    m /= length;
    let v = 0;
    for (let t = 0; t < length; t++) v += (h[c * rows + t] - m) ** 2;
    pooled[c] = m;
    pooled[C + c] = Math.sqrt(v / (length - 1) + 1e-7);
  }
  const We = sd["emb.weight"].data, be = sd["emb.bias"].data;
  return Float64Array.from({ length: D }, (_, d) => {
    let s = be[d];
    for (let j = 0; j < 2 * C; j++) s += We[d * 2 * C + j] * pooled[j];
    return s;
  });
}

const SHERPA_NEMO_META = {
  framework: "nemo",
  language: "English",
  url: "embedkit test model (TitaNet-shaped, random weights)",
  comment: "This model is from NeMo.",
  sample_rate: "16000",
  output_dim: String(D),
  feature_normalize_type: "per_feature",
  window_size_ms: "25",
  window_stride_ms: "10",
  window_type: "hann",
  feat_dim: "80",
};

Deno.test(
  needsShared("onnx-speaker + nemo front end: TitaNet-shaped model equals the TS graph on NeMo features"),
  async () => {
    const audio = await libri();
    const sd = stateDict(11);
    await withTempDir(async (dir) => {
      const path = `${dir}/nemo_like.onnx`;
      await Deno.writeFile(path, buildNemoLike(sd, SHERPA_NEMO_META));
      const b = await registry.create("backbone", "onnx-speaker", { model: path, chunkSeconds: 0 });
      const info = b.info();
      assertEquals(info.frontend, {
        preset: "nemo",
        from: "metadata:framework",
        layout: "BFT",
        input: "audio_signal",
        output: "embs",
      });
      assertEquals([b.dim, (info as { lengthInput: string }).lengthInput], [D, "length"]);
      // 3.0 s (seq_len 300 % 16 == 12) and 3.2 s + 40 samples (seq_len 320 % 16 == 0: NeMo's extra
      // masked STFT frame makes the tensor 336 frames, not 320)
      const utts = [audio.slice(16000, 64000), audio.slice(80000, 80000 + 51240)];
      const embs = await b.embed(utts.map((samples, i) => ({ id: `u${i}`, sampleRate: 16000, samples })));
      let err = 0;
      utts.forEach((x, i) => {
        const r = nemoMel(x);
        const ref = referenceEmbedding(sd, r.feats.data, r.feats.rows, r.seqLen);
        err = Math.max(err, maxAbsDiff(embs[i], ref) / Math.max(1, ...ref.map(Math.abs)));
      });
      console.log(
        `TitaNet-shaped model via onnx-speaker (wasm) vs TS graph on nemoMel features: rel err ${
          err.toExponential(2)
        }`,
      );
      assert(err < 1e-4, `embedding differs from the TS computation by ${err}`);

      // chunking: 5 s in 2 s chunks with 0.5 s overlap = mean of the chunk embeddings over the utterance's features
      const long = audio.slice(0, 80000);
      const c = await registry.create("backbone", "onnx-speaker", {
        model: path,
        chunkSeconds: 2,
        overlapSeconds: 0.5,
      });
      const [ce] = await c.embed([{ id: "long", sampleRate: 16000, samples: long }]);
      const r = nemoMel(long);
      const wins = chunkWindows(r.seqLen, 200, 50);
      assertEquals([r.seqLen, wins.length], [500, 3]);
      const acc = new Float64Array(D);
      for (const [s, n] of wins) {
        const rows = Math.ceil((n + 1) / 16) * 16;
        const f = new Float32Array(rows * F);
        f.set(r.feats.data.subarray(s * F, (s + n) * F));
        referenceEmbedding(sd, f, rows, n).forEach((v, d) => (acc[d] += v / wins.length));
      }
      const cerr = maxAbsDiff(ce, acc) / Math.max(1, ...acc.map(Math.abs));
      assert(cerr < 1e-4, `chunked embedding differs by ${cerr}`);
      await c.dispose?.();
      await b.dispose?.();
    });
  },
);

Deno.test("onnx-speaker + nemo: chosen from NeMo's export signature or frontend=nemo; zoo TitaNet no longer refused", async () => {
  const sd = stateDict(3);
  const bytes = buildNemoLike(sd, {}); // no metadata: NeMo's input names alone
  const h = readModelHeader(bytes);
  const req = { frontend: "auto", layout: "auto", inputName: "", outputName: "" };
  const fe = resolveFrontEnd("m.onnx", h, req);
  assertEquals([fe.preset, fe.presetFrom, fe.inputName, fe.lengthName, fe.outputName, fe.layout], [
    "nemo",
    "signature:audio_signal+length",
    "audio_signal",
    "length",
    "embs",
    "BFT",
  ]);
  assertEquals(resolveFrontEnd("m.onnx", h, { ...req, frontend: "nemo" }).presetFrom, "option");
  assertEquals(fe.nemo, NEMO_TITANET);
  const r = new Rng(9);
  const x = Float32Array.from({ length: 12345 }, () => 0.05 * r.normal());
  await withTempDir(async (dir) => {
    const path = `${dir}/sig.onnx`;
    await Deno.writeFile(path, bytes);
    const b = await registry.create("backbone", "onnx-speaker", { model: path, minSeconds: 0 });
    const [e] = await b.embed([{ id: "x", sampleRate: 16000, samples: x }]);
    const m = nemoMel(x);
    const ref = referenceEmbedding(sd, m.feats.data, m.feats.rows, m.seqLen);
    assert(maxAbsDiff(e, ref) < 1e-4 * Math.max(1, ...ref.map(Math.abs)));
    await assertRejects(
      () => b.embed([{ id: "tiny.wav", sampleRate: 16000, samples: new Float32Array(300) }]),
      Error,
      "tiny.wav: nemo-mel: 300 samples give 1 valid frame(s)",
    );
    await b.dispose?.();
  });
  // The zoo entry now has a front end: the backbone gets as far as looking for the installed file.
  const prev = Deno.env.get("EMBEDKIT_MODELS");
  await withTempDir(async (dir) => {
    Deno.env.set("EMBEDKIT_MODELS", dir);
    try {
      await assertRejects(
        () => registry.create("backbone", "onnx-speaker", { model: "zoo:nemo-titanet-small" }),
        Error,
        "is not installed; run 'deno task models pull nemo-titanet-small'",
      );
    } finally {
      if (prev === undefined) Deno.env.delete("EMBEDKIT_MODELS");
      else Deno.env.set("EMBEDKIT_MODELS", prev);
    }
  });
});

Deno.test("fbank front ends take the model's metadata sample_rate (an 8 kHz model gets 8 kHz features)", () => {
  // Before: every fbank preset computed 16 kHz features whatever rate the model was trained at, as
  // sherpa-onnx does not (it builds its fbank at metadata sample_rate).
  const header = (meta: Record<string, string>) => ({
    producer: "test",
    metadata: meta,
    inputs: [{ name: "feats", dims: ["B", "T", 80], elemType: 1 }],
    outputs: [{ name: "embs", dims: ["B", 256], elemType: 1 }],
  });
  const req = { frontend: "auto", layout: "auto", inputName: "", outputName: "" };
  const fe8 = resolveFrontEnd("m8.onnx", header({ framework: "wespeaker", sample_rate: "8000" }), req);
  assertEquals([fe8.sampleRate, fe8.fbank?.sampleRate, fe8.frameRate], [8000, 8000, 100]);
  const sherpa = resolveFrontEnd("s.onnx", header({ sample_rate: "8000" }), {
    ...req,
    frontend: "sherpa-onnx",
  });
  assertEquals(sherpa.sampleRate, 8000);
  assertEquals(
    resolveFrontEnd("d.onnx", header({}), req).sampleRate,
    16000,
    "no metadata: the preset's rate",
  );
  assertThrows(
    () => resolveFrontEnd("bad.onnx", header({ framework: "wespeaker", sample_rate: "16k" }), req),
    ConfigError,
    "bad.onnx: metadata sample_rate '16k'",
  );
});
