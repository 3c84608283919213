/**
 * Speed of the overlap-aware diarization (segmentation on 10 s chunks every 1 s -> local embeddings ->
 * constrained clustering -> reconstruction) against sherpa-onnx-node's OfflineSpeakerDiarization (the
 * same algorithm in C++, our closest JavaScript anchor), in one run, on the same 1 h of shared audio and
 * the same two ONNX files: embedkit's random-weight PyanNet (with the metadata sherpa's segmentation model
 * reads) and a random-weight x-vector (with the metadata sherpa's speaker embedding extractor reads:
 * framework, output_dim, sample_rate, normalize_samples, language; core/onnx/models/common.ts). Both
 * use one thread and cut to 4 speakers; weights are random, so only time is compared, as a ratio.
 *
 *   nice -n 10 deno run -A bench/diarize_bench.ts [--minutes 60] [--eps wasm,node] [--out bench/diarize_bench.results.json]
 *
 * README block `diarize-bench` (bench/readme_numbers.ts).
 * @module
 */
import { benchArgs, SHARED_OPTION } from "./bench_args.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { buildRandomPyanNet } from "../core/onnx/models/pyannet.ts";
import { buildRandomModel } from "../core/onnx/models/mod.ts";
import { diarizeOverlap } from "../core/pipelines/diarize_overlap.ts";
import { concatenated } from "./diarize_audio.ts";

const args = benchArgs({
  shared: SHARED_OPTION,
  minutes: { type: "string", default: "60" },
  eps: { type: "string", default: "wasm,node" },
  out: { type: "string", default: "bench/diarize_bench.results.json" },
});
const SR = 16000, SPEAKERS = 4, SEG_MODEL = "random:pyannet@7", EMB_MODEL = "random:xvector@7";

const minutes = Number(args.values.minutes);
const samples = await concatenated(args.values.shared!, minutes * 60, SR);
const dir = await Deno.makeTempDir({ prefix: "embedkit-dbench-" });
const seg = join(dir, "segmentation.onnx"), emb = join(dir, "embedding.onnx");
await Deno.writeFile(seg, buildRandomPyanNet(SEG_MODEL).bytes);
await Deno.writeFile(emb, buildRandomModel(EMB_MODEL).bytes);

const runs: Record<string, unknown>[] = [];
try {
  // sherpa-onnx-node: the anchor
  const sherpa = (await import("sherpa-onnx-node")).default;
  const sd = new sherpa.OfflineSpeakerDiarization({
    segmentation: { pyannote: { model: seg }, numThreads: 1, debug: 0 },
    embedding: { model: emb, numThreads: 1, debug: 0 },
    clustering: { numClusters: SPEAKERS },
    minDurationOn: 0,
    minDurationOff: 0,
  });
  let t0 = performance.now();
  const segs = sd.process(samples) as { start: number; end: number; speaker: number }[];
  const sherpaSeconds = (performance.now() - t0) / 1000;
  runs.push({
    system: "sherpa-onnx-node OfflineSpeakerDiarization (C++, onnxruntime native)",
    seconds: sherpaSeconds,
    turns: segs.length,
  });
  console.error(`[bench] sherpa-onnx-node: ${sherpaSeconds.toFixed(1)} s, ${segs.length} turns`);
  // embedkit, per execution provider
  for (const ep of args.values.eps!.split(",")) {
    t0 = performance.now();
    const r = await diarizeOverlap({
      samples,
      file: "bench",
      segmentation: { name: "pyannet-segmentation", options: { model: seg, ep, threads: 1 } },
      backbone: { name: "onnx-speaker", options: { model: emb, ep, threads: 1 } },
      config: { clustering: { numSpeakers: SPEAKERS } },
      quiet: true,
    });
    const seconds = (performance.now() - t0) / 1000;
    runs.push({
      system: `embedkit diarize --segmentation (${ep})`,
      ep,
      seconds,
      turns: r.systems[0].turns.length,
      ratioToSherpa: seconds / sherpaSeconds,
      stages: r.stages.map((s) => ({ stage: s.stage, seconds: +s.seconds.toFixed(1) })),
    });
    console.error(
      `[bench] embedkit ${ep}: ${seconds.toFixed(1)} s = ${(seconds / sherpaSeconds).toFixed(2)} x sherpa`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
const result = {
  generatedBy: "bench/diarize_bench.ts",
  generatedAt: new Date().toISOString(),
  audio: { minutes, sampleRate: SR, built: "shared AMI, pyannote sample, LibriSpeech, concatenated" },
  models: { segmentation: SEG_MODEL, embedding: EMB_MODEL, note: "random weights: time only" },
  setup: "10 s chunks every 1 s, 3 local speakers, one thread each, cut to 4 speakers",
  machine: { cores: navigator.hardwareConcurrency, loadavg: Deno.loadavg() },
  runs,
};
await Deno.writeTextFile(args.values.out!, JSON.stringify(result, null, 2) + "\n");
