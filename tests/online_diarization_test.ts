/**
 * Streaming diarization (core/diarization/online.ts, online_clustering.ts): diart's incremental
 * clustering against a numpy port of diart's OnlineSpeakerClustering + SpeakerMap on fixed embeddings
 * (tests/golden/gen_segmentation_post_online.py -> online_clustering.json), and the streaming API end to
 * end on a synthetic stream (oracle segmentation, clustered embeddings): turns emitted within the latency,
 * DER small (misses only where diart's rho_update rule delays a new speaker), the same result whatever the push block size.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { golden } from "./helpers.ts";
import {
  OnlineDiarizer,
  OnlineSpeakerClustering,
  overlappedSpeechPenalty,
} from "../core/diarization/online.ts";
import { diarizationErrorRate } from "../core/diarization/der.ts";
import type { Turn } from "../core/diarization/rttm.ts";
import { Rng } from "../core/random.ts";

// deno-lint-ignore no-explicit-any
const G = golden<any>("online_clustering.json");
const arr = (a: (number | null)[]) => Float32Array.from(a, (v) => (v === null ? NaN : v));

Deno.test("incremental clustering equals diart's OnlineSpeakerClustering (numpy port) chunk by chunk", () => {
  for (const [name, run] of Object.entries(G.runs) as [string, Record<string, unknown>][]) {
    const osc = new OnlineSpeakerClustering({
      tauActive: run.tau as number,
      rhoUpdate: run.rho as number,
      deltaNew: run.delta as number,
      maxSpeakers: run.max as number,
    });
    (G.chunks as { seg: number[]; emb: (number | null)[] }[]).forEach((c, i) => {
      const map = osc.identify(arr(c.seg), G.F, arr(c.emb), G.D);
      assertEquals([...map], (run.maps as number[][])[i], `${name}: chunk ${i}`);
    });
    assertEquals([...osc.active].sort((a, b) => a - b), run.active, name);
    const d = Math.max(...[...osc.centers!].map((v, i) => Math.abs(v - (run.centers as number[])[i])));
    assert(d < 1e-5, `${name}: centroids differ by ${d}`);
    console.log(
      `${name}: ${G.chunks.length} chunks, same mappings, ${osc.numSpeakers} speakers, centroid diff ${
        d.toExponential(1)
      }`,
    );
  }
});

Deno.test("overlapped-speech penalty is diart's: seg^gamma softmax(beta seg)^gamma, floored at 1e-8", () => {
  const w = overlappedSpeechPenalty(Float32Array.of(1, 0, 0, 1, 1, 0), 3, 3, 10);
  const p = 1 / (1 + 2 * Math.exp(-10)), q = Math.exp(10) / (2 * Math.exp(10) + 1);
  const want = [p ** 3, 1e-8, 1e-8, q ** 3, q ** 3, 1e-8];
  w.forEach((v, i) => assert(Math.abs(v - want[i]) < 1e-7, `${i}: ${v} vs ${want[i]}`));
});

/** A synthetic stream: 3 speakers with overlaps over `dur` seconds, oracle segmentation, noisy centroids. */
function syntheticModels(dur: number, duration: number, step: number, F: number) {
  const ref: Turn[] = [];
  const rng = new Rng(5);
  for (let t = 0, i = 0; t < dur - 1; i++) {
    const len = 2 + 4 * rng.next(), spk = i % 3;
    ref.push({ file: "s", channel: "1", onset: t, duration: Math.min(len, dur - t), speaker: `S${spk}` });
    if (i % 4 === 1) {
      ref.push({
        file: "s",
        channel: "1",
        onset: t + len - 0.8,
        duration: 1.6,
        speaker: `S${(spk + 2) % 3}`,
      });
    }
    t += len + (i % 3 === 0 ? 0.7 : 0.1);
  }
  const centers = [0, 1, 2].map(() => Float32Array.from({ length: 16 }, () => rng.normal()));
  let calls = 0;
  const perm = new Rng(9);
  return {
    ref,
    models: {
      sampleRate: 100, // tiny rate: the synthetic models ignore the samples
      numLocalSpeakers: 3,
      segment(_chunk: Float32Array) {
        const start = calls === 0 ? 0 : calls * step;
        const order = perm.shuffle([0, 1, 2]);
        const seg = new Float32Array(F * 3);
        for (let f = 0; f < F; f++) {
          const t = start + ((f + 0.5) * duration) / F;
          for (const r of ref) {
            if (t >= r.onset && t < r.onset + r.duration) {
              seg[f * 3 + order.indexOf(Number(r.speaker[1]))] = 1;
            }
          }
        }
        calls++;
        lastOrder = order;
        return Promise.resolve(seg);
      },
      embed(_chunk: Float32Array, weights: Float32Array) {
        const out = new Float32Array(3 * 16);
        for (let k = 0; k < 3; k++) {
          const c = centers[lastOrder[k]];
          let w = 0;
          for (let f = 0; f < weights.length / 3; f++) w = Math.max(w, weights[f * 3 + k]);
          for (let d = 0; d < 16; d++) out[k * 16 + d] = w > 1e-6 ? c[d] + 0.3 * rng.normal() : NaN;
        }
        return Promise.resolve(out);
      },
    },
  };
}
let lastOrder = [0, 1, 2];

Deno.test("streaming diarizer: turns decided within the latency, overlap kept, low DER, block size irrelevant", async () => {
  const duration = 5, step = 0.5, F = 100;
  for (const latency of [0.5, 2, 5]) {
    const results: Turn[][] = [];
    for (const block of [37, 50, 1000]) {
      const { ref, models } = syntheticModels(60, duration, step, F);
      const emitted: { turn: Turn; at: number }[] = [];
      let now = 0;
      const d = new OnlineDiarizer(models, {
        duration,
        step,
        latency,
        file: "s",
        onTurn: (t) => emitted.push({ turn: t, at: now }),
      });
      const total = 60 * models.sampleRate;
      for (let i = 0; i < total; i += block) {
        now = Math.min(total, i + block) / models.sampleRate;
        await d.push(new Float32Array(Math.min(block, total - i)));
      }
      now = 60;
      await d.flush();
      const turns = emitted.map((e) => e.turn);
      let worstDelay = 0;
      for (const e of emitted) {
        if (e.at < 60) worstDelay = Math.max(worstDelay, e.at - (e.turn.onset + e.turn.duration));
      }
      const der = diarizationErrorRate(ref, turns, {}).overall;
      const overlap = turns.some((a) =>
        turns.some((b) =>
          a !== b && a.speaker !== b.speaker && a.onset < b.onset + b.duration &&
          b.onset < a.onset + a.duration
        )
      );
      if (block === 50) {
        console.log(
          `latency ${latency} s: ${turns.length} turns, ${d.clustering.numSpeakers} speakers, DER ${
            der.der.toFixed(2)
          } %, worst emission delay ${worstDelay.toFixed(2)} s`,
        );
      }
      // decided once the audio up to end + latency has arrived: at most one step (or one pushed block) later
      const bound = latency + Math.max(step, block / models.sampleRate);
      assert(worstDelay <= bound + 1e-6, `latency ${latency}: a turn came ${worstDelay} s after its end`);
      // misses are a new speaker's first ~1.5 s: diart only opens a centroid for a "long" speaker (rho_update)
      assert(der.der < 6 && der.confusion < 0.2, `latency ${latency}: DER ${der.der}`);
      assert(overlap, "overlapping turns");
      assertEquals(d.clustering.numSpeakers, 3);
      results.push(
        turns.map((t) => ({ ...t, onset: +t.onset.toFixed(6), duration: +t.duration.toFixed(6) })),
      );
    }
    assertEquals(results[0], results[1]);
    assertEquals(results[1], results[2]);
  }
});

Deno.test("streaming diarizer refuses a latency outside [step, duration]", () => {
  const { models } = syntheticModels(10, 5, 0.5, 10);
  assertThrows(() => new OnlineDiarizer(models, { duration: 5, latency: 6 }), RangeError, "latency");
  assertThrows(() => new OnlineDiarizer(models, { duration: 5, latency: 0.2 }), RangeError, "latency");
});

Deno.test("streaming diarizer: a stream shorter than one buffer is decided at flush, clipped to its end", async () => {
  const { ref, models } = syntheticModels(60, 5, 0.5, 100);
  const d = new OnlineDiarizer(models, { duration: 5, step: 0.5, latency: 2, file: "s" });
  assertEquals(await d.push(new Float32Array(300)), []); // 3 s: nothing decided yet
  const turns = await d.flush();
  assert(
    turns.length > 0 && turns.every((t) => t.onset >= 0 && t.onset + t.duration <= 3 + 1e-9),
    JSON.stringify(turns),
  );
  const der = diarizationErrorRate(
    ref.filter((t) => t.onset < 3).map((t) => ({ ...t, duration: Math.min(t.duration, 3 - t.onset) })),
    turns,
    {},
  );
  assert(der.overall.der < 3, `${der.overall.der}`);
});
