/**
 * Segmentation post-processing (core/diarization/segmentation/*) against a numpy/scipy port of
 * pyannote.audio's own functions run on the same fixed inputs (tests/golden/gen_segmentation_post.py ->
 * segmentation_post.json): powerset decoding, aggregation, speaker count, hysteresis, Binarize regions,
 * local-embedding masks, AHC + (constrained) assignment, reconstruction, oracle segmentation.
 */
import { assert, assertEquals } from "./assert.ts";
import { golden } from "./helpers.ts";
import {
  aggregate,
  assignEmbeddings,
  binarizeRegions,
  type ChunkScores,
  filterEmbeddings,
  hysteresis,
  localEmbeddingMasks,
  type LocalEmbeddings,
  maskedSamples,
  maskSampleRanges,
  oracleSegmentation,
  powersetToMultilabel,
  pyannoteAhc,
  reconstruct,
  setNumClusters,
  speakerCount,
  toTurns,
} from "../core/diarization/segmentation/mod.ts";
import type { Turn } from "../core/diarization/rttm.ts";
import type { Linkage } from "../core/cluster/linkage.ts";

type Num = number | null;
// deno-lint-ignore no-explicit-any
const G = golden<any>("segmentation_post.json");
const arr = (a: Num[]) => Float32Array.from(a, (v) => (v === null ? NaN : v));
const { C, F, K } = G as { C: number; F: number; K: number };
const chunks = { start: G.chunks[0], duration: G.chunks[1], step: G.chunks[2] };
const frames = { start: G.frames[0], duration: G.frames[1], step: G.frames[2] };
const scores = (data: Float32Array, classes = K): ChunkScores => ({
  data,
  chunks: C,
  frames: F,
  classes,
  window: chunks,
});

/** Max |a - b| with NaN only equal to NaN (returns Infinity on a NaN mismatch). */
function diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (!(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return Infinity;
      continue;
    }
    m = Math.max(m, Math.abs(a[i] - b[i]));
  }
  return m;
}

/** Same partition (labels equal up to renaming; negative labels must match exactly). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>(), ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if (a[i] < 0 || b[i] < 0) {
      if (a[i] !== b[i]) return false;
      continue;
    }
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

const hard = arr(G.hard), soft = arr(G.soft);

Deno.test("powerset -> multilabel (hard argmax and soft exp @ mapping) equals pyannote's Powerset.to_multilabel", () => {
  const logp = arr(G.logp);
  assertEquals(diff(powersetToMultilabel(logp, 3, 2, false), hard), 0);
  const d = diff(powersetToMultilabel(logp, 3, 2, true), soft);
  console.log(`soft multilabel max abs diff ${d.toExponential(2)}`);
  assert(d < 1e-6, `${d}`);
});

Deno.test("aggregate (Hamming + warm-up + NaN masks; sums) equals pyannote's Inference.aggregate", () => {
  const sn = Float32Array.from(soft);
  for (let f = 10; f < 20; f++) sn[(2 * F + f) * K + 1] = NaN;
  for (let f = 0; f < F; f++) sn[(5 * F + f) * K + 2] = NaN;
  assertEquals(diff(sn, arr(G.soft_nan)), 0);
  const a = aggregate(scores(sn), frames, { warmUp: [0.2, 0.1], hamming: true });
  assertEquals(a.frames, G.agg_hamming_warm.frames);
  assertEquals([a.window.start, a.window.duration, a.window.step], G.agg_hamming_warm.window);
  const d1 = diff(a.data, arr(G.agg_hamming_warm.data));
  const b = aggregate(scores(sn), frames, { missing: 0, skipAverage: true });
  const d2 = diff(b.data, arr(G.agg_sum.data));
  console.log(
    `aggregate: ${a.frames} frames, max abs diff ${d1.toExponential(2)} (average), ${
      d2.toExponential(2)
    } (sum)`,
  );
  assert(d1 < 1e-6 && d2 < 1e-5, `${d1} ${d2}`);
});

Deno.test("speaker count (warm-up 0 and 10 %) equals pyannote's speaker_count exactly", () => {
  const c0 = speakerCount(scores(hard), frames, [0, 0]);
  const c1 = speakerCount(scores(hard), frames, [0.1, 0.1]);
  assertEquals([...c0.counts], G.count.warm0);
  assertEquals([...c1.counts], G.count.warm1);
  assertEquals([c1.window.start, c1.window.duration, c1.window.step], G.count.window1);
  assert(G.count.warm0.includes(2) && G.count.warm0.includes(0), "the fixture has silence and overlap");
});

Deno.test("hysteresis binarisation equals pyannote's binarize_ndarray (default and False initial state)", () => {
  const h = G.hysteresis;
  const x = arr(h.input);
  assertEquals([...hysteresis(x, h.rows, h.cols, 0.6, 0.4)], h.default);
  assertEquals([...hysteresis(x, h.rows, h.cols, 0.6, 0.4, false)], h.false);
});

Deno.test("Binarize regions (onset/offset, min duration on/off, padding) equal pyannote's Binarize", () => {
  const a = aggregate(scores(soft), frames, { hamming: true });
  const cmp = (got: { label: number; start: number; end: number }[], want: number[][]) => {
    assertEquals(got.length, want.length);
    let m = 0;
    got.forEach((r, i) => {
      assertEquals(r.label, want[i][0]);
      m = Math.max(m, Math.abs(r.start - want[i][1]), Math.abs(r.end - want[i][2]));
    });
    return m;
  };
  const d1 = cmp(binarizeRegions(a, { onset: 0.5 }), G.regions.plain);
  const opts = {
    onset: 0.55,
    offset: 0.45,
    minDurationOn: 0.1,
    minDurationOff: 0.08,
    padOnset: 0.01,
    padOffset: 0.02,
  };
  const d2 = cmp(binarizeRegions(a, opts), G.regions.full);
  console.log(
    `regions: ${G.regions.plain.length} / ${G.regions.full.length}, max time diff ${
      Math.max(d1, d2).toExponential(2)
    } s`,
  );
  assert(d1 < 1e-9 && d2 < 1e-9);
});

Deno.test("local-embedding masks (overlap excluded, too-short fallback) equal pyannote's get_embeddings choice", () => {
  const b = scores(hard);
  assertEquals([...localEmbeddingMasks(b, { excludeOverlap: true, minFrames: 5 }).masks], G.masks.exclude5);
  const m15 = localEmbeddingMasks(b, { excludeOverlap: true, minFrames: 15 });
  assertEquals([...m15.masks], G.masks.exclude15);
  assert(m15.clean.includes(0) && m15.clean.includes(1), "both branches exercised");
  assertEquals([...localEmbeddingMasks(b, { excludeOverlap: false }).masks], G.masks.all);
});

Deno.test("mask -> sample ranges: frame runs stretched over the chunk as sherpa-onnx's get_embeddings does", () => {
  const F = 589, W = 160000;
  const mask = new Uint8Array(F);
  for (const [a, b] of [[0, 3], [10, 50], [51, 52], [300, 589]]) mask.fill(1, a, b);
  // sherpa-onnx scripts/pyannote/segmentation/speaker-diarization-onnx.py: int(start / num_frames * window_size)
  const want: [number, number][] = [];
  for (let k = 0, start = -1; k <= F; k++) {
    if (k < F && mask[k]) {
      if (start < 0) start = k;
    } else if (start >= 0) {
      want.push([Math.trunc((start / F) * W), Math.trunc((k / F) * W)]);
      start = -1;
    }
  }
  assertEquals(maskSampleRanges(mask, W), want);
  const chunk = Float32Array.from({ length: W }, (_, i) => i);
  const cat = maskedSamples(chunk, mask);
  assertEquals(cat.length, want.reduce((n, [a, b]) => n + b - a, 0));
  assertEquals([cat[0], cat[want[0][1] - want[0][0]]], [0, want[1][0]]);
});

const emb: LocalEmbeddings = { data: arr(G.emb.data), chunks: C, speakers: K, dim: G.emb.dim };

Deno.test("filter + AHC (centroid/average, min cluster size, forced counts) + assignment equal pyannote's clustering", () => {
  const train = filterEmbeddings(emb, scores(hard));
  assertEquals([...train.chunkIdx], G.filter.chunk);
  assertEquals([...train.speakerIdx], G.filter.speaker);
  for (const [name, c] of Object.entries(G.ahc) as [string, Record<string, unknown>][]) {
    const req = setNumClusters(train.x.rows, {
      numClusters: (c.num as number) ?? undefined,
      minClusters: (c.min as number) ?? undefined,
      maxClusters: (c.max as number) ?? undefined,
    });
    assertEquals([req.numClusters ?? null, req.minClusters, req.maxClusters], c.set, name);
    const labels = pyannoteAhc(train.x, req.minClusters, req.maxClusters, req.numClusters, {
      threshold: c.threshold as number,
      method: c.method as Linkage,
      minClusterSize: c.min_cluster_size as number,
    });
    assert(samePartition(labels, c.labels as number[]), `${name}: AHC ${labels} vs ${c.labels}`);
    // assignment from numpy's own labels, so cluster numbering is theirs
    const tl = Int32Array.from(c.labels as number[]);
    const con = assignEmbeddings(emb, train, tl, { constrained: true });
    const unc = assignEmbeddings(emb, train, tl, { constrained: false });
    assertEquals([...con.hard], (c.constrained as number[][]).flat(), `${name} constrained`);
    assertEquals([...unc.hard], (c.unconstrained as number[][]).flat(), `${name} unconstrained`);
    for (let ch = 0; ch < C; ch++) {
      const ks = [...con.hard.subarray(ch * K, ch * K + K)].filter((h) => h >= 0);
      assertEquals(new Set(ks).size, ks.length, `${name}: chunk ${ch} has two local speakers in one cluster`);
    }
    console.log(`${name}: ${new Set(labels).size} clusters, same partition and assignments as scipy`);
  }
});

Deno.test("reconstruct + to_diarization + to_annotation equal pyannote's (overlapping turns)", () => {
  const r = G.reconstruct;
  const count = speakerCount(scores(hard), frames, [0, 0]);
  const disc = reconstruct(scores(hard), Int32Array.from((r.hard_clusters as number[][]).flat()), count);
  assertEquals([disc.frames, disc.classes], [r.frames, r.classes]);
  assertEquals(diff(disc.data, arr(r.binary)), 0);
  const turns = toTurns(disc, { file: "f", minDurationOff: 0.1 });
  const want = (r.turns as number[][]).map((t) => `${t[0]} ${t[1].toFixed(6)} ${t[2].toFixed(6)}`).sort();
  const got = turns.map((t) =>
    `${Number(t.speaker.slice(8))} ${t.onset.toFixed(6)} ${(t.onset + t.duration).toFixed(6)}`
  ).sort();
  assertEquals(got, want);
  const overlapping = turns.some((a, i) =>
    turns.some((b, j) =>
      i !== j && a.speaker !== b.speaker && a.onset < b.onset + b.duration && b.onset < a.onset + a.duration
    )
  );
  assert(overlapping, "the reconstruction has overlapping turns");
});

Deno.test("oracle segmentation equals pyannote's oracle_segmentation (all speakers, 2 most talkative, padded to 7)", () => {
  const o = G.oracle;
  // pyannote itself negates an unsigned sum there (keeping the least talkative); the port follows the intent
  assert(o.pyannote_unsigned_negation_wraps);
  const turns: Turn[] = (o.ref as [number, number, string][]).map(([a, b, s]) => ({
    file: "f",
    channel: "1",
    onset: a,
    duration: b - a,
    speaker: s,
  }));
  for (const [key, k] of [["none", undefined], ["k2", 2], ["k7", 7]] as const) {
    const seg = oracleSegmentation(turns, {
      duration: o.duration,
      window: { duration: o.window[0], step: o.window[1] },
      frames,
      numSpeakers: k,
    });
    assertEquals(diff(seg.data, arr(o[key])), 0, key);
  }
});
