/**
 * Streaming diarization on the AMI debug recordings: DER against the decision latency, for the local
 * speakers of each buffer from the VAD (no segmentation weights: VAD speech split among locally clustered
 * windows) and from the reference (oracle: the streaming clustering alone), with the shipped TDNN.
 *
 *   nice -n 10 deno run -A bench/diarize_online.ts [--shared ../shared/data] [--out bench/diarize_online.results.json]
 *
 * 1. Tuning, on train only, at latency 2 s: diart's new-speaker distance `deltaNew` (its 1.0 is for
 *    pyannote's embeddings) for both sources, and the VAD source's local clustering threshold.
 * 2. DER (collar 0.25 s each side, overlap ignored, pooled per split) for latencies 0.5 ... 5 s on train,
 *    development and test, with the mean and worst emission delay (the worst includes the start: nothing
 *    is decided before the first full buffer, as in diart).
 * 3. The real-time factor of streaming at latency 2 s, nothing reused (`cost`).
 *
 * In 1 and 2 the VAD and the embeddings of identical audio are computed once and reused across settings
 * (keyed by a checksum of the samples), so the grid costs clustering only and its wall times mean nothing; the stream itself (rolling buffer, blocks
 * of 0.1 s) is replayed for every setting. Results feed core/pipelines/diarize_defaults.ts ONLINE_TUNED
 * (tests/diarize_defaults_test.ts) and the README table (bench/readme_numbers.ts, block
 * `diarize-online`).
 * @module
 */
import { benchArgs, SHARED_OPTION } from "./bench_args.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { samplesChecksum } from "../core/hash.ts";
import type { Region } from "../core/contracts/vad.ts";
import {
  maskedEmbedder,
  oracleBufferSegmentation,
  type PieceEmbedder,
  VadLocalSpeakers,
} from "../core/diarization/online_sources.ts";
import { pyannetFrames } from "../core/onnx/models/pyannet.ts";
import { readRecording } from "../core/pipelines/stages/diarization.ts";
import { streamRecording } from "../core/pipelines/stages/online.ts";
import { ONLINE_BACKBONE } from "../core/pipelines/diarize_defaults.ts";
import { type AmiFile, amiSplit, fileErrors, pooled, type Split } from "./diarize_ami.ts";

const args = benchArgs({
  shared: SHARED_OPTION,
  out: { type: "string", default: "bench/diarize_online.results.json" },
});
const SR = 16000, DURATION = 5, STEP = 0.5, BLOCK = 0.1, LOCAL = 2;
const VAD = { name: "silero", options: { threshold: 0.2 } }; // the diarize preset's VAD (bench/diarize_tune.ts)
const LATENCIES = [0.5, 1, 2, 3, 4, 5];
const DELTAS = [0.3, 0.5, 0.7, 0.9, 1.1];
const LOCAL_THRESHOLDS = [0.3, 0.5, 0.7, 2];

const vad = await registry.create("vad", VAD.name, VAD.options);
const model = await registry.create("backbone", ONLINE_BACKBONE.name, ONLINE_BACKBONE.options);
const vadCache = new Map<string, Region[]>(), embCache = new Map<string, Float32Array>();
const key = (x: Float32Array) => `${x.length}:${samplesChecksum(x)}`;
let cached = true; // false: the streaming cost itself (no reuse across settings)
const detect = async (x: Float32Array) => {
  if (!cached) return await vad.detect(x, SR);
  const k = key(x);
  if (!vadCache.has(k)) vadCache.set(k, await vad.detect(x, SR));
  return vadCache.get(k)!;
};
const embedder: PieceEmbedder = {
  dim: model.dim,
  async embed(pieces) {
    const run = (p: readonly Float32Array[]) =>
      model.embed(p.map((samples, i) => ({ id: `p${i}`, samples, sampleRate: SR })));
    if (!cached) return await run(pieces);
    const todo = pieces.filter((p) => !embCache.has(key(p)));
    if (todo.length) (await run(todo)).forEach((v, i) => embCache.set(key(todo[i]), v));
    return pieces.map((p) => embCache.get(key(p))!);
  },
};

const audio = new Map<string, Float32Array>();
async function samplesOf(f: AmiFile): Promise<Float32Array> {
  if (!audio.has(f.id)) {
    audio.set(f.id, (await readRecording({ audio: f.wav, sampleRate: SR, file: f.id })).samples);
  }
  return audio.get(f.id)!;
}

interface Setting {
  source: "vad" | "oracle";
  latency: number;
  deltaNew: number;
  localThreshold: number;
}

/** Streams every file of a split with one setting; pooled DER and the delays. */
async function run(files: AmiFile[], s: Setting) {
  const parts = [], delays: number[] = [];
  let wall = 0, audioSeconds = 0;
  for (const f of files) {
    const F = s.source === "vad" ? DURATION * 50 : pyannetFrames(DURATION * 16000);
    const models = s.source === "vad"
      ? new VadLocalSpeakers(detect, embedder, {
        sampleRate: SR,
        duration: DURATION,
        frames: F,
        maxLocal: LOCAL,
        threshold: s.localThreshold,
      })
      : {
        sampleRate: SR,
        numLocalSpeakers: LOCAL,
        segment: (_c: Float32Array, start: number) =>
          Promise.resolve(oracleBufferSegmentation(f.turns, start, DURATION, F, LOCAL)),
        embed: maskedEmbedder(embedder, SR, LOCAL),
      };
    const x = await samplesOf(f);
    const r = await streamRecording(
      { models, duration: DURATION, dim: model.dim, dispose: async () => {} },
      x,
      {
        step: STEP,
        latency: s.latency,
        deltaNew: s.deltaNew,
        block: BLOCK,
        file: f.turns[0].file,
      },
    );
    parts.push(fileErrors(f.turns, r.turns));
    delays.push(...r.delays);
    wall += r.seconds;
    audioSeconds += x.length / SR;
  }
  const mean = delays.reduce((a, b) => a + b, 0) / Math.max(1, delays.length);
  return {
    der: +pooled(parts).toFixed(3),
    meanDelay: +mean.toFixed(3),
    maxDelay: +(delays.length ? Math.max(...delays) : 0).toFixed(3),
    realTimeFactor: +(wall / audioSeconds).toFixed(4),
  };
}

const splits: Record<Split, AmiFile[]> = {
  train: await amiSplit(args.values.shared!, "train"),
  development: await amiSplit(args.values.shared!, "development"),
  test: await amiSplit(args.values.shared!, "test"),
};

// 1. tuning on train at latency 2 s
const tuning = [];
let bestVad = { der: Infinity, deltaNew: 1, localThreshold: 0.5 },
  bestOracle = { der: Infinity, deltaNew: 1 };
for (const deltaNew of DELTAS) {
  const o = await run(splits.train, { source: "oracle", latency: 2, deltaNew, localThreshold: 0 });
  tuning.push({ source: "oracle", deltaNew, ...o });
  if (o.der < bestOracle.der) bestOracle = { der: o.der, deltaNew };
  for (const localThreshold of LOCAL_THRESHOLDS) {
    const v = await run(splits.train, { source: "vad", latency: 2, deltaNew, localThreshold });
    tuning.push({ source: "vad", deltaNew, localThreshold, ...v });
    if (v.der < bestVad.der) bestVad = { der: v.der, deltaNew, localThreshold };
    console.error(
      `[online] tune deltaNew ${deltaNew}, local ${localThreshold}: vad ${v.der} %, oracle ${o.der} %`,
    );
  }
}

// 2. DER against latency, per split
const curves = [];
for (const latency of LATENCIES) {
  for (const source of ["vad", "oracle"] as const) {
    const s: Setting = source === "vad"
      ? { source, latency, deltaNew: bestVad.deltaNew, localThreshold: bestVad.localThreshold }
      : { source, latency, deltaNew: bestOracle.deltaNew, localThreshold: 0 };
    const row: Record<string, unknown> = { source, latency };
    for (const split of ["train", "development", "test"] as const) row[split] = await run(splits[split], s);
    row.devTest = await run([...splits.development, ...splits.test], s);
    curves.push(row);
    console.error(`[online] ${source} latency ${latency} s: ${JSON.stringify(row.devTest)}`);
  }
}

// 3. what streaming costs: the same runs without reuse of VAD or embeddings across settings
cached = false;
const cost: Record<string, unknown> = {};
for (const source of ["vad", "oracle"] as const) {
  const s: Setting = source === "vad"
    ? { source, latency: 2, deltaNew: bestVad.deltaNew, localThreshold: bestVad.localThreshold }
    : { source, latency: 2, deltaNew: bestOracle.deltaNew, localThreshold: 0 };
  cost[source] = await run([...splits.development, ...splits.test], s);
  console.error(`[online] cost ${source}: ${JSON.stringify(cost[source])}`);
}

const result = {
  generatedBy: "bench/diarize_online.ts",
  generatedAt: new Date().toISOString(),
  data: "AMI debug (pyannote.audio tests/data): train 10, development 2, test 2 recordings of 30 s",
  scoring: "DER %, pooled per split; collar 0.25 s each side (md-eval), overlapped reference speech ignored",
  setup: {
    buffer: DURATION,
    step: STEP,
    block: BLOCK,
    localSpeakers: LOCAL,
    vad: VAD,
    backbone: ONLINE_BACKBONE,
  },
  // deltaNew: local speakers from a segmentation (the oracle's value); vadDeltaNew: the VAD source's
  tuned: {
    deltaNew: bestOracle.deltaNew,
    vadDeltaNew: bestVad.deltaNew,
    localThreshold: bestVad.localThreshold,
  },
  tuning,
  curves,
  cost: {
    note: "latency 2 s, development + test, nothing reused: the real-time factor of streaming",
    ...cost,
  },
};
await Deno.writeTextFile(args.values.out!, JSON.stringify(result, null, 2) + "\n");
await vad.dispose?.();
await (model as { dispose?: () => unknown }).dispose?.();
console.error(`[online] wrote ${args.values.out}`);
