/**
 * PyanNet (core/onnx/models/pyannet.ts) against an independent PyTorch PyanNet written from pyannote's
 * architecture (tests/golden/gen_pyannet.py -> pyannet.json), sherpa-onnx-node reading the exported
 * model as a pyannote segmentation model, the `pyannet-segmentation` plugin through the registry, and the
 * oracle segmentation -> reconstruction on the AMI debug recordings (overlap where the reference overlaps).
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { golden, loadSherpa, maxAbsDiff, needsShared, shared, withTempDir } from "./helpers.ts";
import { PYANNET_GOLDEN_SEED, pyannetGoldenInputs } from "./pyannet_fixture.ts";
import {
  buildPyanNet,
  pyannetFrames,
  pyannetReceptiveField,
  sincFilters,
  sincInitialBands,
} from "../core/onnx/models/pyannet.ts";
import { loadOnnx } from "../core/onnx/runtime.ts";
import { readModelHeader } from "../core/onnx/writer.ts";
import { sha256Hex } from "../core/hash.ts";
import { registry } from "../plugins/mod.ts";
import {
  intersectIntervals,
  readRttm,
  regionsWithSpeakers,
  totalDuration,
  type Turn,
} from "../core/diarization/rttm.ts";
import { diarizationErrorRate } from "../core/diarization/der.ts";
import {
  chunkLayout,
  iterChunks,
  oracleClusters,
  oracleSegmentation,
  reconstruct,
  speakerCount,
  toTurns,
} from "../core/diarization/segmentation/mod.ts";

interface PyanGolden {
  seed: number;
  parameters: number;
  state_sha256: string;
  metadata: Record<string, string>;
  cases: { input_shape: number[]; input_sha256: string; output_shape: number[]; output: number[] }[];
}
const G = golden<PyanGolden>("pyannet.json");

Deno.test("PyanNet geometry: 589 frames per 10 s, receptive field 991 samples, step 270, centre of frame 0 at 495", () => {
  assertEquals(pyannetFrames(160000), 589);
  assertEquals(pyannetFrames(48000), 175);
  assertEquals(pyannetReceptiveField(), { size: 991, step: 270, center0: 495 });
  // a cos filter's centre tap is 1 and the filters are symmetric (cos) / antisymmetric (sin)
  const { low, band } = sincInitialBands();
  const f = sincFilters(low, band);
  assertEquals(f.length, 80 * 251);
  assertEquals(f[125], 1);
  assert(Math.abs(f[3] - f[247]) < 1e-7 && Math.abs(f[40 * 251 + 3] + f[40 * 251 + 247]) < 1e-7);
});

Deno.test("PyanNet ONNX forward equals an independent PyTorch PyanNet (pyannote's state-dict names, float64) on wasm and node", async () => {
  const m = buildPyanNet({ seed: PYANNET_GOLDEN_SEED });
  assertEquals(G.seed, PYANNET_GOLDEN_SEED);
  assertEquals(m.parameters, G.parameters, "parameter count (PyTorch counts the same state dict)");
  const all = Object.values(m.state).reduce((n, t) => n + t.data.length, 0);
  const flat = new Float32Array(all);
  let o = 0;
  for (const t of Object.values(m.state)) flat.set(t.data, o), o += t.data.length;
  assertEquals(
    await sha256Hex(new Uint8Array(flat.buffer)),
    G.state_sha256,
    "weights changed: regenerate pyannet.json",
  );
  const header = readModelHeader(m.bytes);
  for (const [k, v] of Object.entries(G.metadata)) assertEquals(header.metadata[k], v, k);
  const inputs = pyannetGoldenInputs();
  for (const ep of ["wasm", "node"] as const) {
    let model;
    try {
      model = await loadOnnx(m.bytes, { ep });
    } catch (e) {
      if (ep === "node") {
        console.error(`SKIP node EP: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      throw e;
    }
    for (let c = 0; c < inputs.length; c++) {
      const x = inputs[c], want = G.cases[c];
      assertEquals(await sha256Hex(new Uint8Array(x.data.buffer)), want.input_sha256);
      const y = (await model.run({ x: { dims: [x.batch, 1, x.samples], data: x.data } })).y;
      assertEquals(y.dims, want.output_shape);
      const d = maxAbsDiff(y.data, want.output);
      console.log(`${ep} [${want.output_shape}]: max abs diff vs PyTorch ${d.toExponential(2)}`);
      assert(d < 5e-4, `${ep}: ${d}`);
    }
    await model.dispose();
  }
});

Deno.test("sherpa-onnx-node reads the PyanNet export as a pyannote segmentation model and diarizes with it", async () => {
  const sherpa = await loadSherpa();
  if (!sherpa) return;
  const { buildRandomModel } = await import("../core/onnx/models/mod.ts");
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/seg.onnx`, buildPyanNet({ seed: PYANNET_GOLDEN_SEED }).bytes);
    await Deno.writeFile(`${dir}/emb.onnx`, buildRandomModel("random:xvector-small").bytes);
    const sd = new sherpa.OfflineSpeakerDiarization({
      segmentation: { pyannote: { model: `${dir}/seg.onnx` }, numThreads: 1, debug: 0 },
      embedding: { model: `${dir}/emb.onnx`, numThreads: 1, debug: 0 },
      clustering: { numClusters: 2 },
      minDurationOn: 0.3,
      minDurationOff: 0.5,
    });
    assertEquals(sd.sampleRate, 16000);
    const audio = pyannetGoldenInputs()[0].data; // 10 s
    const long = new Float32Array(3 * audio.length);
    for (let i = 0; i < 3; i++) long.set(audio, i * audio.length);
    const segs = sd.process(long) as { start: number; end: number; speaker: number }[];
    console.log(`sherpa-onnx-node: ${segs.length} segments on 30 s with the random PyanNet`);
    assert(segs.length > 0);
    for (const s of segs) {
      assert(s.start >= 0 && s.end <= 30.01 && s.start < s.end && s.speaker >= 0 && s.speaker < 2);
    }
  });
});

Deno.test("pyannet-segmentation plugin through the registry: layout from metadata, hard/soft decoding, errors", async () => {
  const seg = await registry.create("segmenter", "pyannet-segmentation", { model: "random:pyannet-small@3" });
  assertEquals([seg.sampleRate, seg.chunkSeconds, seg.chunkSamples, seg.framesPerChunk], [
    16000,
    10,
    160000,
    589,
  ]);
  assertEquals([seg.numSpeakers, seg.maxSpeakersPerFrame, seg.frameStep, seg.frameDuration], [
    3,
    2,
    270 / 16000,
    991 / 16000,
  ]);
  const layout = chunkLayout(200000, 16000, 160000, 16000);
  assertEquals([layout.numChunks, layout.numComplete, layout.hasLastChunk], [4, 3, true]);
  const audio = new Float32Array(200000);
  audio.set(pyannetGoldenInputs()[0].data);
  const chunks = [...iterChunks(audio, layout)];
  assertEquals(chunks.map((c) => c.length), [160000, 160000, 160000, 160000]);
  const hard = await seg.segment(chunks);
  const soft = await seg.segment(chunks, { soft: true });
  assertEquals(hard.length, 4);
  for (let c = 0; c < 4; c++) {
    assertEquals(hard[c].length, 589 * 3);
    let perFrameMax = 0;
    for (let f = 0; f < 589; f++) {
      perFrameMax = Math.max(perFrameMax, hard[c][3 * f] + hard[c][3 * f + 1] + hard[c][3 * f + 2]);
    }
    assert(perFrameMax <= 2, "powerset: at most 2 speakers per frame");
    assert(soft[c].every((v) => v >= 0 && v <= 1 + 1e-6));
  }
  assertEquals(seg.info().layoutFrom, "metadata");
  await seg.dispose?.();
  // a model without metadata and a wrong kind of zoo model are refused with the fix in the message
  await withTempDir(async (dir) => {
    const { buildRandomModel } = await import("../core/onnx/models/mod.ts");
    await Deno.writeFile(`${dir}/emb.onnx`, buildRandomModel("random:xvector-small").bytes);
    await assertRejects(
      () => registry.create("segmenter", "pyannet-segmentation", { model: `${dir}/emb.onnx` }),
      Error,
      "export-onnx.py",
    );
  });
  // model -> the fix the message must give
  const cases = [["zoo:silero-vad", "not a segmentation model"], ["/nonexistent.onnx", "random:pyannet"]];
  for (const [model, fix] of cases) {
    await assertRejects(() => registry.create("segmenter", "pyannet-segmentation", { model }), Error, fix);
  }
});

Deno.test(
  needsShared(
    "oracle segmentation -> count -> reconstruct on AMI debug: overlapping turns exactly where the reference overlaps",
  ),
  async () => {
    const ref = await readRttm(shared("ami", "debug.train.rttm"));
    const byFile = Map.groupBy(ref, (t) => t.file);
    const frames = { start: 0, duration: 991 / 16000, step: 270 / 16000 };
    for (const numSpeakers of [undefined, 3]) {
      let refOverlap = 0, hypOverlap = 0, both = 0, err = 0, conf = 0, total = 0;
      for (const [file, turns] of byFile) {
        const seg = oracleSegmentation(turns, {
          duration: 30,
          window: { duration: 10, step: 1 },
          frames,
          numSpeakers,
          framesPerChunk: 589,
          includeLastChunk: true,
        });
        const disc = reconstruct(seg, oracleClusters(seg), speakerCount(seg, frames, [0, 0]));
        const hyp: Turn[] = toTurns(disc, { file, labels: seg.labels });
        const ro = regionsWithSpeakers(turns, 2), ho = regionsWithSpeakers(hyp, 2);
        refOverlap += totalDuration(ro);
        hypOverlap += totalDuration(ho);
        both += totalDuration(intersectIntervals(ro, ho));
        const d = diarizationErrorRate(turns, hyp, {}).overall;
        err += d.missed + d.falseAlarm + d.confusion;
        conf += d.confusion;
        total += d.total;
      }
      const der = (100 * err) / total;
      console.log(
        `AMI debug train, ${numSpeakers ?? "all"} local speakers: reference overlap ${
          refOverlap.toFixed(2)
        } s, ` +
          `reconstructed ${hypOverlap.toFixed(2)} s, common ${both.toFixed(2)} s; DER ${der.toFixed(2)} % ` +
          `(confusion ${conf.toFixed(3)} s of ${total.toFixed(1)} s)`,
      );
      assert(refOverlap > 5, "the debug set has overlapped speech");
      assert(
        both / refOverlap > 0.95 && both / hypOverlap > 0.95,
        "overlap recovered where the reference has it",
      );
      assert(conf < 0.05, "oracle clusters: no confusion");
      // frame quantisation (17 ms) only; with 3 local speakers, chunks with a 4th speaker also miss speech
      assert(der < (numSpeakers ? 2.5 : 1.2), `oracle pipeline DER ${der}`);
    }
  },
);
