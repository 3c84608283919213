/**
 * Issue 13 phase 2: streaming diarization as a library (core/pipelines/diarize_online.ts and the sources
 * of core/diarization/online_sources.ts). Audio pushed chunk by chunk gives the same turns whatever the
 * chunk size; turns come out within the latency; with the reference's local speakers the streaming
 * clustering finds AMI's speakers; the VAD source runs on real audio without segmentation weights.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { needsShared, shared } from "./helpers.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { syntheticConversation } from "../core/data/synthetic.ts";
import { OnlineDiarizer } from "../core/diarization/online.ts";
import { type PieceEmbedder, VadLocalSpeakers } from "../core/diarization/online_sources.ts";
import { diarizationErrorRate } from "../core/diarization/der.ts";
import type { Turn } from "../core/diarization/rttm.ts";
import { diarizeOnline } from "../core/pipelines/diarize_online.ts";
import { ConfigError } from "../core/errors.ts";

Deno.test("VAD local speakers, pushed in any block size: same turns, each decided within the latency", async () => {
  const conv = syntheticConversation(24, 3);
  const sr = conv.sampleRate;
  const vad = await registry.create("vad", "energy", {});
  const bb = await registry.create("backbone", "fbank-stats", {});
  const embedder: PieceEmbedder = {
    dim: bb.dim,
    embed: (p) => bb.embed(p.map((samples, i) => ({ id: `w${i}`, samples, sampleRate: sr }))),
  };
  const ref: Turn[] = conv.turns.map((t) => ({
    file: "syn",
    channel: "1",
    onset: t.start,
    duration: t.end - t.start,
    speaker: t.speaker,
  }));
  const latency = 2, step = 0.5;
  const runs: string[][] = [];
  for (const block of [0.05, 0.37, 3]) {
    const models = new VadLocalSpeakers((x) => vad.detect(x, sr), embedder, {
      sampleRate: sr,
      duration: 5,
      frames: 250,
      maxLocal: 2,
      threshold: 0.3,
    });
    let now = 0, worst = 0;
    const d = new OnlineDiarizer(models, {
      duration: 5,
      step,
      latency,
      deltaNew: 0.3,
      file: "syn",
      onTurn: (t) => (worst = Math.max(worst, now - (t.onset + t.duration))),
    });
    const B = Math.round(block * sr), turns: Turn[] = [];
    for (let i = 0; i < conv.samples.length; i += B) {
      now = Math.min(conv.samples.length, i + B) / sr;
      turns.push(...await d.push(conv.samples.subarray(i, i + B)));
    }
    turns.push(...await d.flush());
    assert(worst <= latency + Math.max(step, block) + 1e-6, `block ${block}: a turn came ${worst} s late`);
    const der = diarizationErrorRate(ref, turns, { collar: 0.25 }).overall.der;
    assert(der < 40, `block ${block}: DER ${der}`);
    runs.push(turns.map((t) => `${t.speaker} ${t.onset.toFixed(3)} ${t.duration.toFixed(3)}`).sort());
  }
  assertEquals(runs[1], runs[0]);
  assertEquals(runs[2], runs[0]);
});

Deno.test(
  needsShared(
    "streaming on AMI: oracle local speakers find the speakers; the VAD source runs without weights",
  ),
  async () => {
    const base = {
      audio: shared("ami", "dev01.wav"),
      reference: shared("ami", "debug.development.rttm"),
      quiet: true,
    };
    const oracle = await diarizeOnline({ ...base, segmentation: "oracle", config: { latency: 2 } });
    const o = oracle.systems[0];
    assertEquals(oracle.pipeline?.name, "online");
    assert(o.metrics["DER %"] < 10, JSON.stringify(o.metrics));
    assertEquals(o.numSpeakers, 2);
    assert((o.extra.maxDelay as number) <= 2 + 0.5 + 0.1 + 1e-6, `max delay ${o.extra.maxDelay}`);
    const vad = await diarizeOnline({ ...base, config: { latency: 1 } });
    const v = vad.systems[0];
    assert(v.turns.length > 0 && Number.isFinite(v.metrics["DER %"]), JSON.stringify(v.metrics));
    assert(v.metrics["speech recall %"] > 60, JSON.stringify(v.metrics));
    console.error(
      `dev01 streamed: oracle DER ${o.metrics["DER %"].toFixed(2)} %, VAD DER ${
        v.metrics["DER %"].toFixed(2)
      } %`,
    );
  },
);

Deno.test("streaming options: latency within [step, buffer], oracle needs a reference", async () => {
  const samples = new Float32Array(16000 * 3);
  await assertRejects(
    () => diarizeOnline({ samples, config: { latency: 0.5, step: 1 }, quiet: true }),
    ConfigError,
    "must be >= the step",
  );
  await assertRejects(
    () => diarizeOnline({ samples, config: { latency: 6 }, quiet: true }),
    ConfigError,
    "'latency' must be",
  );
  await assertRejects(
    () => diarizeOnline({ samples, segmentation: "oracle", quiet: true }),
    ConfigError,
    "--reference",
  );
});
