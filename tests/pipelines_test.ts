/**
 * Pipelines: the stage runner, trial generation, windows -> turns, and verify / diarize end to end on
 * real shared data (LibriSpeech test-other, VBx ES2005a x-vectors, the pyannote sample) and on
 * self-generated signals, plus a third-party plugin loaded from tests/fixtures through a pipeline.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { golden, needsShared, shared, withTempDir, writeKaldiDataDir } from "./helpers.ts";
import { exportedVsTrained } from "./exported_speaker_net.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { Pipeline } from "../core/pipelines/stages/runner.ts";
import { decodeValue, encodeValue } from "../core/pipelines/stages/codec.ts";
import type { Utterance } from "../core/data/datasets.ts";
import { formatTrials, generateTrials, readTrials } from "../core/data/trials.ts";
import { slidingWindows, windowsToTurns } from "../core/diarization/segments.ts";
import { verify } from "../core/pipelines/verify.ts";
import { diarize } from "../core/pipelines/diarize.ts";
import { readSegments } from "../core/io/kaldi_data.ts";
import { conversationReference, syntheticConversation, syntheticCorpus } from "../core/data/synthetic.ts";
import { readRttm } from "../core/diarization/rttm.ts";
import type { Metric } from "../core/contracts/scorer.ts";
import { main } from "../cli/main.ts";

Deno.test("stage runner: caches by config+inputs, resumes, re-runs what changed, records seeds, writes atomically", async () => {
  await withTempDir(async (dir) => {
    const calls: string[] = [];
    const run = async (scale: number) => {
      const p = new Pipeline({ name: "t", workDir: dir, seed: 5, quiet: true });
      const a = await p.stage("a", { config: { n: 3 } }, (ctx) => {
        calls.push("a");
        return { v: Float32Array.from([1, 2, 3]), seed: ctx.seed, r: ctx.rng().next() };
      });
      const b = await p.stage("b", { config: { scale }, inputs: [a] }, () => {
        calls.push("b");
        return Float32Array.from(a.v, (x) => x * scale);
      });
      return { a, b, rec: p.records() };
    };
    const first = await run(2);
    assertEquals(calls, ["a", "b"]);
    assertEquals(Array.from(first.b), [2, 4, 6]);
    const again = await run(2);
    assertEquals(calls, ["a", "b"], "second run must come from the cache");
    assertEquals(again.rec.map((r) => r.cached), [true, true]);
    assertEquals(Array.from(again.b), [2, 4, 6]);
    assert(again.b instanceof Float32Array);
    assertEquals(again.a.seed, first.a.seed);
    assertEquals(again.a.r, first.a.r, "seeded stage randomness is reproducible");
    await run(3);
    assertEquals(calls, ["a", "b", "b"], "only the stage whose config changed re-runs");
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert(files.every((f) => f.endsWith(".json")), `no temp files left: ${files}`);
    // a corrupt cache file is recomputed, not trusted
    for (const f of files.filter((f) => f.startsWith("01-a."))) {
      Deno.writeTextFileSync(join(dir, f), "{broken");
    }
    await run(3);
    assertEquals(calls, ["a", "b", "b", "a"]);
    const rec = JSON.parse(Deno.readTextFileSync(join(dir, files.find((f) => f.startsWith("01-a."))!)));
    assertEquals(rec.seed, first.a.seed, "the stage seed is recorded with its output");
  });
});

Deno.test("stage codec round-trips typed arrays and non-finite numbers bit-exactly", () => {
  const v = {
    f: Float32Array.from([1.5, -0.1, 3e-39]),
    i: Int32Array.from([-1, 7]),
    b: Int8Array.from([1, 0, -1]),
    d: Float64Array.from([Math.PI]),
    x: [Infinity, -Infinity],
  };
  const back = decodeValue<typeof v>(encodeValue(v));
  assertEquals(Array.from(back.f), Array.from(v.f));
  assert(
    back.f instanceof Float32Array && back.i instanceof Int32Array && back.b instanceof Int8Array &&
      back.d instanceof Float64Array,
  );
  assertEquals(back.d[0], Math.PI);
  assertEquals(back.x, [Infinity, -Infinity]);
});

Deno.test("generateTrials: every target pair plus a seeded non-target sample", () => {
  const utts: Utterance[] = [];
  for (let s = 0; s < 5; s++) for (let u = 0; u < 4; u++) utts.push({ id: `s${s}u${u}`, speaker: `s${s}` });
  const t = generateTrials(utts, { seed: 1, nonTargetRatio: 3 });
  const target = t.filter((x) => x.label === 1), non = t.filter((x) => x.label === 0);
  assertEquals(target.length, 5 * (4 * 3) / 2); // C(4,2) per speaker
  assertEquals(non.length, 3 * 30);
  assert(target.every((x) => x.enroll.slice(0, 2) === x.test.slice(0, 2)));
  assert(non.every((x) => x.enroll.slice(0, 2) !== x.test.slice(0, 2)));
  assertEquals(new Set(non.map((x) => `${x.enroll} ${x.test}`)).size, non.length, "no duplicate pairs");
  assertEquals(generateTrials(utts, { seed: 1, nonTargetRatio: 3 }), t, "deterministic for a seed");
  assert(
    JSON.stringify(generateTrials(utts, { seed: 2, nonTargetRatio: 3 })) !== JSON.stringify(t),
    "another seed, another sample",
  );
  assertEquals(
    generateTrials(utts, { seed: 1, nonTargetRatio: Infinity }).length,
    (20 * 19) / 2,
    "all pairs",
  );
  assertThrows(
    () => generateTrials([{ id: "a", speaker: "x" }, { id: "b", speaker: "y" }], { seed: 1 }),
    Error,
    "no target trials",
  );
});

Deno.test("trials and segments files: malformed lines are refused naming the file and line", async () => {
  await withTempDir(async (dir) => {
    const f = join(dir, "trials");
    await Deno.writeTextFile(f, "a b target\na c maybe\n");
    await assertRejects(() => readTrials(f), Error, `${f}:2`);
    await Deno.writeTextFile(
      f,
      formatTrials([{ enroll: "a", test: "b", label: 1 }, { enroll: "a", test: "c", label: 0 }]),
    );
    assertEquals((await readTrials(f)).map((t) => t.label), [1, 0]);
    await assertRejects(() => readTrials(f, new Set(["a", "b"])), Error, "unknown utterance 'c'");
    const s = join(dir, "segs");
    await Deno.writeTextFile(s, "k1 rec 0.0 1.5\nk2 rec 2.0 1.0\n");
    assertThrows(() => readSegments(s), Error, `${s}:2`);
  });
});

Deno.test("windows -> turns: boundaries at the middle of overlaps, same-label pieces merged (hand-checked)", () => {
  const w = slidingWindows([{ start: 0, end: 3 }, { start: 5, end: 5.5 }], 1.5, 0.75);
  assertEquals(w.map((x) => [x.start, x.end]), [[0, 1.5], [0.75, 2.25], [1.5, 3], [5, 5.5]]);
  const turns = windowsToTurns(w, [0, 0, 1, 1], "rec");
  // window 2 vs 3 overlap [1.5, 2.25] -> boundary 1.875; window 4 stands alone
  assertEquals(turns.map((t) => [t.onset, t.duration, t.speaker]), [[0, 1.875, "spk0"], [
    1.875,
    1.125,
    "spk1",
  ], [5, 0.5, "spk1"]]);
});

/** EER bracket from first principles: min over thresholds of max(Pmiss, Pfa), and the matching min. */
function eerBracket(scores: Float32Array, labels: Int8Array): [number, number] {
  const tar = [...scores].filter((_, i) => labels[i] === 1),
    non = [...scores].filter((_, i) => labels[i] === 0);
  let best = [1, 0];
  for (const th of [...scores, -Infinity]) {
    const pmiss = tar.filter((s) => s <= th).length / tar.length,
      pfa = non.filter((s) => s > th).length / non.length;
    if (Math.max(pmiss, pfa) < best[0]) best = [Math.max(pmiss, pfa), Math.min(pmiss, pfa)];
  }
  return [best[1], best[0]];
}

Deno.test(
  needsShared("verify: LibriSpeech test-other, fbank-stats, generated trials -> EER/minDCF/Cllr"),
  async () => {
    const r = await verify({ data: shared("librispeech", "test-other"), seed: 1234, quiet: true });
    assertEquals(r.counts, { utterances: 100, speakers: 10, target: 450, nonTarget: 2250 });
    const s = r.systems[0];
    // scores are the cosine of the returned embeddings (recomputed here independently)
    const x = s.embeddings!;
    for (const t of [0, 1, 449, 450, 2699]) {
      const a = x.data.subarray(r.trials.enroll[t] * x.cols, (r.trials.enroll[t] + 1) * x.cols);
      const b = x.data.subarray(r.trials.test[t] * x.cols, (r.trials.test[t] + 1) * x.cols);
      let ab = 0, aa = 0, bb = 0;
      for (let k = 0; k < x.cols; k++) [ab, aa, bb] = [ab + a[k] * b[k], aa + a[k] * a[k], bb + b[k] * b[k]];
      assert(Math.abs(s.scores[t] - ab / Math.sqrt(aa * bb)) < 1e-5);
    }
    const [lo, hi] = eerBracket(s.scores, r.trials.labels);
    const eer = s.metrics["EER %"] / 100;
    assert(eer >= lo - 1e-9 && eer <= hi + 1e-9, `EER ${eer} outside the brute-force bracket [${lo}, ${hi}]`);
    // a training-free baseline still separates speakers far better than chance (50 %)
    assert(eer < 0.15, `fbank-stats EER ${eer}`);
    for (const k of ["minDCF 0.01", "minDCF 0.05", "Cllr", "minCllr"]) {
      assert(
        Number.isFinite(s.metrics[k]),
        k,
      );
    }
    console.error(`verify LibriSpeech fbank-stats: ${JSON.stringify(s.metrics)}`);
  },
);

Deno.test(
  needsShared("diarize: VBx ES2005a x-vectors -> AHC equals scipy; DER scored like the VBx README"),
  async () => {
    const vbx = shared("vbx-es2005a");
    const ref = join(vbx, "example", "rttm", "ES2005a.rttm");
    const g = golden<{ labels_k4: number[]; labels_t09: number[]; clusters_t09: number }>(
      "pipelines_vbx_ahc.json",
    );
    const r = await diarize({
      embeddings: { ark: join(vbx, "exp", "ES2005a.ark"), segments: join(vbx, "exp", "ES2005a.seg") },
      reference: ref,
      clusterers: [{ name: "ahc", label: "k4" }],
      numSpeakers: 4,
      quiet: true,
    });
    const t09 = await diarize({
      embeddings: { ark: join(vbx, "exp", "ES2005a.ark"), segments: join(vbx, "exp", "ES2005a.seg") },
      reference: ref,
      clusterers: [{ name: "ahc", options: { threshold: 0.9 } }],
      quiet: true,
    });
    assertEquals(r.windows, 1025);
    assertEquals(t09.systems[0].numSpeakers, g.clusters_t09);
    // same partition as scipy (labels up to renaming): compare the windows -> turns output of both labelings
    const windows = (await readSegments(join(vbx, "exp", "ES2005a.seg"))).map((s) => ({
      start: s.start,
      end: s.end,
    }));
    const scipyTurns = windowsToTurns(windows, g.labels_k4, "ES2005a").map((t) => `${t.onset} ${t.duration}`);
    assertEquals(r.systems[0].turns.map((t) => `${t.onset} ${t.duration}`), scipyTurns);
    // the scoring settings reproduce the VBx README figure on VBx's own output (7.06 %)
    const der = await registry.create("scorer", "der", {
      collar: 0.25,
      skipOverlap: true,
      uemFrom: "ref",
    }) as Metric;
    const vbxDer = der.compute({
      reference: await readRttm(ref),
      hypothesis: await readRttm(join(vbx, "exp", "ES2005a.rttm")),
    }).der;
    assert(Math.abs(vbxDer - 7.06) < 0.01, `VBx output DER ${vbxDer}`);
    const ours = r.systems[0].metrics["DER %"];
    assert(ours > 0 && ours < 25, `AHC on centred x-vectors: DER ${ours}`);
    console.error(
      `diarize ES2005a: AHC oracle-K DER ${ours.toFixed(2)} %, threshold 0.9 DER ${
        t09.systems[0].metrics["DER %"].toFixed(2)
      } % (VBx ${vbxDer.toFixed(2)} %)`,
    );
  },
);

Deno.test(
  needsShared("diarize: pyannote sample.wav -> Silero VAD -> fbank-stats -> AHC -> RTTM -> DER"),
  async () => {
    const r = await diarize({
      audio: shared("pyannote-sample", "sample.wav"),
      reference: shared("pyannote-sample", "sample.rttm"),
      numSpeakers: 2,
      collar: 0,
      skipOverlap: false,
      quiet: true,
    });
    assert(r.vad.method.startsWith("Silero"));
    const m = r.systems[0].metrics;
    assertEquals(m.speakers, 2);
    // Silero finds the speech: little missed speech and false alarm at collar 0 (overlap counts as missed)
    assert(m["missed %"] < 15 && m["false alarm %"] < 5, JSON.stringify(m));
    assert(m["DER %"] < 70, JSON.stringify(m));
    assert(r.systems[0].rttm.startsWith("SPEAKER sample 1 "));
    console.error(`diarize sample.wav (collar 0, overlap scored): ${JSON.stringify(m)}`);
  },
);

Deno.test("verify and diarize run end to end on self-generated signals (no shared data needed)", async () => {
  const utts = syntheticCorpus(6, 5, 3);
  const v = await verify({ utterances: utts, seed: 3, quiet: true });
  assertEquals(v.counts.target, 6 * 10);
  assert(v.systems[0].metrics["EER %"] < 25, JSON.stringify(v.systems[0].metrics));
  const conv = syntheticConversation(30, 4);
  const ref = conversationReference(conv, "syn");
  const d = await diarize({
    samples: conv.samples,
    sampleRate: conv.sampleRate,
    file: "syn",
    referenceTurns: ref,
    vad: "energy",
    numSpeakers: 2,
    quiet: true,
  });
  assert(d.systems[0].metrics["DER %"] < 15, JSON.stringify(d.systems[0].metrics));
});

Deno.test("pipelines refuse unknown plugins before doing any work, with a did-you-mean hint", async () => {
  await assertRejects(
    () => verify({ utterances: syntheticCorpus(2, 2, 1), backbones: ["fbank-stat"], quiet: true }),
    Error,
    "did you mean 'fbank-stats'",
  );
  await assertRejects(
    () => diarize({ samples: new Float32Array(16000), clusterers: ["ahcc"], quiet: true }),
    Error,
    "unknown clusterer 'ahcc'",
  );
});

Deno.test("a third-party backbone and scorer loaded from tests/fixtures run through `embedkit verify` on a Kaldi data dir", async () => {
  await withTempDir(async (dir) => {
    await writeKaldiDataDir(dir, syntheticCorpus(4, 4, 9));
    const out = join(dir, "result.json");
    const code = await main([
      "verify",
      dir,
      "--plugin",
      "tests/fixtures/zcr_backbone.ts",
      "--plugin",
      "tests/fixtures/my_scorer.ts",
      "--backbone",
      "zcr=zcr-energy:frame=320",
      "--scorer",
      "neg-euclidean",
      "--work",
      join(dir, "work"),
      "--out",
      out,
    ]);
    assertEquals(code, 0);
    const r = JSON.parse(await Deno.readTextFile(out));
    // 5 non-targets per target would be 120 but only C(16,2) - 24 = 96 different-speaker pairs exist: all are used
    assertEquals(r.counts, { utterances: 16, speakers: 4, target: 24, nonTarget: 96 });
    assertEquals(r.systems[0].label, "zcr");
    assertEquals(r.systems[0].info, { model: "zcr-energy", frame: 320 });
    assert(registry.get("backbone", "zcr-energy") !== undefined);
    const eer = r.systems[0].metrics["EER %"];
    assert(Number.isFinite(eer) && eer < 50, `custom backbone EER ${eer}`);
  });
});

Deno.test(
  needsShared(
    "ir-eval: Cranfield with tfidf-text equals scikit-learn TF-IDF, and its Matryoshka dims equal max_features",
  ),
  async () => {
    const { irEval } = await import("../core/pipelines/ir_eval.ts");
    const r = await irEval({ cranfield: shared("cranfield"), dims: [8192, 512, 128], quiet: true });
    assertEquals(r.counts, { docs: 1400, queries: 225, judged: 1612 });
    // full dim: the same numbers as sklearn TfidfVectorizer() (golden of the retrieval metrics' own tests)
    const full =
      golden<{ cranfield_tfidf: { metrics: Record<string, number> } }>("ir_metrics.json").cranfield_tfidf
        .metrics;
    const trunc =
      golden<{ metrics: Record<string, Record<string, number>> }>("pipelines_ir_maxfeatures.json").metrics;
    const expect: Record<string, Record<string, number>> = {
      "8192": full,
      "512": trunc["512"],
      "128": trunc["128"],
    };
    for (const [dim, want] of Object.entries(expect)) {
      for (const [k, v] of Object.entries(want)) {
        assert(
          Math.abs(r.metrics[dim][k] - v) < 1e-6,
          `dim ${dim} ${k}: ${r.metrics[dim][k]} vs sklearn ${v}`,
        );
      }
    }
    console.error(
      `ir-eval Cranfield tfidf-text: ndcg@10 ${
        [8192, 512, 128].map((d) => `${d}: ${r.metrics[d]["ndcg@10"].toFixed(4)}`).join(", ")
      }`,
    );
  },
);

Deno.test("train: a TDNN learns with aam-softmax from the registry; its ONNX export embeds like the trained net", async () => {
  const { train } = await import("../core/pipelines/train.ts");
  const { Tdnn } = await import("../core/nn/tdnn.ts");
  await withTempDir(async (dir) => {
    const utts = syntheticCorpus(6, 4, 11);
    const cfg = { channels: [24, 24], kernels: [3, 3], dilations: [1, 2], embedDim: 16, numMelBins: 24 };
    const r = await train({
      utterances: utts,
      ...cfg,
      epochs: 4,
      batchSize: 12,
      segSeconds: 1,
      cropsPerUtt: 2,
      lr: 3e-3,
      out: join(dir, "m.onnx"),
      quiet: true,
      seed: 5,
    });
    assertEquals(r.speakers, 6);
    // the device choice is reported; a software (fallback) adapter is never used for training
    assert(
      r.device.device === "wasm" || !/llvmpipe|swiftshader|fallback/i.test(r.device.reason),
      JSON.stringify(r.device),
    );
    assert(r.device.reason.length > 0);
    assert(
      r.history.at(-1)!.trainLoss < r.history[0].trainLoss,
      `loss must fall: ${JSON.stringify(r.history)}`,
    );
    // rebuild the trained net from its weights and compare with onnx-speaker running the exported file
    const net = new Tdnn({
      inputDim: 24,
      channels: cfg.channels,
      kernels: cfg.kernels,
      dilations: cfg.dilations,
      embedDim: 16,
      pooling: "stats",
      poolEps: 1e-7,
    });
    net.loadStateDict(r.state);
    net.eval();
    const { err, scale } = await exportedVsTrained(net, r.model, utts[0], { numMelBins: 24, dims: 16 });
    // float32 noise of the two runtimes (stats pooling over ~300 frames) is ~1e-3 relative; a wrong front end,
    // layout or weight would be off by O(1)
    assert(
      err <= 2e-3 * Math.max(1, scale),
      `exported model vs trained net: max diff ${err} (scale ${scale})`,
    );
  });
});

Deno.test(
  needsShared(
    "pseudo-label and ckm-adapt: LibriSpeech source, Asterisk target (resampled 8 -> 16 kHz), figures before and after",
  ),
  async () => {
    const { pseudoLabel } = await import("../core/pipelines/pseudo_label.ts");
    const { ckmAdapt } = await import("../core/pipelines/ckm_adapt.ts");
    await withTempDir(async (dir) => {
      const base = {
        source: { data: shared("librispeech", "test-other"), maxPerSpeaker: 5 },
        // Allison Smith's en-US and es-MX folders are one speaker
        target: {
          data: shared("asterisk"),
          maxPerSpeaker: 8,
          speakerOf: (s: string) => s.replace(/^[a-z]{2}_[A-Z]{2}_/, ""),
        },
        maxSeconds: 4,
        quiet: true,
        workDir: dir, // the embed stage is shared by the three runs (same key)
      };
      const pl = await pseudoLabel({
        ...base,
        adapter: { name: "pseudo-label", options: { epochs: 10, keep: 5 } },
      });
      assertEquals(pl.counts.source, { utterances: 50, speakers: 10 });
      assertEquals(pl.counts.target.speakers, 7);
      assertEquals(pl.counts.target.utterances, 7 * 8); // the per-speaker cap applies after merging Allison's folders
      for (const f of [pl.before, pl.after]) {
        assert(
          f["EER %"] >= 0 && f["EER %"] <= 100 && f.nmi >= 0 && f.nmi <= 1 && f["cluster accuracy"] <= 1,
          JSON.stringify(f),
        );
      }
      assert(
        pl.adapterLabels && pl.adapterLabels.accuracy > 0.5,
        `pseudo-labels vs true speakers: ${JSON.stringify(pl.adapterLabels)}`,
      );
      const ck = await ckmAdapt({
        ...base,
        kShot: 2,
        adapter: {
          name: "ckm-adapt",
          options: { mode: "semi-supervised", pretrainEpochs: 5, jointEpochs: 5, k: 7 },
        },
      });
      assertEquals(ck.counts.kShotLabelled, 7 * 2);
      assertEquals(ck.before, pl.before, "same embeddings, same 'before' figures");
      assert(ck.stages.find((s) => s.stage === "embed")!.cached, "embeddings reused from the work dir");
      console.error(
        `pseudo-label: before ${JSON.stringify(pl.before)} after ${JSON.stringify(pl.after)} labels ${
          JSON.stringify(pl.adapterLabels)
        }`,
      );
      console.error(`ckm-adapt (2-shot): after ${JSON.stringify(ck.after)}`);
    });
  },
);

Deno.test(
  needsShared(
    "ssl-diarize: DRLM on the VBx x-vectors, FINCH then AHC halving to 4 speakers, DER per iteration",
  ),
  async () => {
    const { sslDiarize } = await import("../core/pipelines/ssl_diarize.ts");
    const vbx = shared("vbx-es2005a");
    const r = await sslDiarize({
      input: {
        embeddings: { ark: join(vbx, "exp", "ES2005a.ark"), segments: join(vbx, "exp", "ES2005a.seg") },
        reference: join(vbx, "example", "rttm", "ES2005a.rttm"),
      },
      numSpeakers: 4,
      quiet: true,
    });
    const it = r.iterations;
    assert(it.length >= 2, JSON.stringify(it));
    assert(it[0].clusters >= 20, "FINCH starts from at least 5x the target");
    for (let i = 1; i < it.length; i++) {
      assertEquals(
        it[i].clusters,
        Math.max(4, Math.floor(it[i - 1].clusters / 2)),
      );
    }
    const last = it.at(-1)!;
    if (r.stoppedBy.startsWith("clusters")) assert(last.clusters === 4 && last.lossRatio <= 0.5);
    assert(it.every((x) => Number.isFinite(x.der) && x.der > 0 && x.der < 100));
    assert(
      Math.abs(r.baseline.der - 15.9) < 0.1,
      `plain AHC baseline ${r.baseline.der} (same as the diarize pipeline's AHC)`,
    );
    assertEquals(r.final.der, last.der);
    console.error(
      `ssl-diarize ES2005a: plain AHC ${r.baseline.der.toFixed(2)} %, per iteration ${
        it.map((x) => `${x.clusters}:${x.der.toFixed(2)}`).join(" ")
      } (${r.stoppedBy})`,
    );
  },
);

Deno.test(
  needsShared(
    "verify: Asterisk voices, same- and cross-language partitions (Allison en-US vs es-MX), with and without Mean-Sub",
  ),
  async () => {
    await withTempDir(async (dir) => {
      const base = {
        data: shared("asterisk"),
        speakerOf: (s: string) => s.replace(/^[a-z]{2}_[A-Z]{2}_/, ""),
        domainOf: (u: { id: string }) => (u.id.startsWith("en_US") ? 0 : 1),
        maxSeconds: 3,
        quiet: true,
        workDir: dir,
      };
      const plain = await verify(base);
      const ms = await verify({ ...base, backend: ["mean-sub"], transformDomains: [1] });
      assertEquals(plain.counts.speakers, 7);
      for (const r of [plain, ms]) {
        const p = r.systems[0].partitions!;
        assertEquals(p["cross-domain"].target, 30 * 30, "Allison: 30 en-US x 30 es-MX prompts");
        assertEquals(p["same-domain"].target + p["cross-domain"].target, r.counts.target);
        assertEquals(p["same-domain"].nonTarget + p["cross-domain"].nonTarget, r.counts.nonTarget);
      }
      const f = (r: typeof plain, k: string) => r.systems[0].partitions![k]["EER %"].toFixed(2);
      console.error(
        `Asterisk fbank-stats EER %: same-language ${f(plain, "same-domain")}, cross-language ${
          f(plain, "cross-domain")
        }; with Mean-Sub: same ${f(ms, "same-domain")}, cross ${f(ms, "cross-domain")}`,
      );
    });
  },
);
