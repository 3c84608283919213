/**
 * Issue 13 phase 2, the pieces under the diarization recipes: the `ahc-large` clusterer through the
 * registry (equal to the scipy-exact `ahc` below its budget; its minimum-cluster-size rule equal to the
 * pyannote port), long-WAV reading (equal to the full decoder), a recording's turns in a corpus RTTM,
 * the speaker-count checks and the choice of recipe.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { join } from "node:path";
import { wavPcm16, withTempDir } from "./helpers.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { Rng } from "../core/random.ts";
import type { Matrix } from "../core/matrix.ts";
import { pyannoteAhc } from "../core/diarization/segmentation/clustering.ts";
import { readLongWav } from "../core/audio/wav_stream.ts";
import { decodeWav } from "../core/audio/wav.ts";
import { turnsOfRecording } from "../core/diarization/recording_turns.ts";
import type { Turn } from "../core/diarization/rttm.ts";
import { speakerRequest, validateSpeakers } from "../core/pipelines/diarize_types.ts";
import { choosePipeline } from "../core/pipelines/diarize_choose.ts";
import { parseSpec } from "../cli/commands/pipeline_args.ts";
import { ConfigError, InputError } from "../core/errors.ts";

function blobs(n: number, k: number, d: number, noise: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const c = Array.from({ length: k }, () => Float32Array.from({ length: d }, () => rng.normal()));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const g = i < 3 ? k - 1 : i % (k - 1); // the last cluster holds 3 rows only
    for (let j = 0; j < d; j++) x[i * d + j] = c[g][j] + noise * rng.normal();
  }
  return { rows: n, cols: d, data: x };
}

/** Labels renamed in order of first appearance (partitions compared up to names). */
function canon(l: ArrayLike<number>): number[] {
  const m = new Map<number, number>();
  return Array.from(l, (v) => (m.has(v) ? m.get(v)! : (m.set(v, m.size), m.size - 1)));
}

Deno.test("ahc-large through the registry: the scipy-exact `ahc` partition below its budget, counts and bounds", async () => {
  const x = blobs(120, 4, 16, 0.6, 3);
  for (const linkage of ["average", "complete", "single"] as const) {
    for (const threshold of [0.3, 0.6, 0.9]) {
      const exact = await registry.create("clusterer", "ahc", { linkage, threshold });
      const large = await registry.create("clusterer", "ahc-large", { linkage, threshold });
      const a = await exact.cluster(x), b = await large.cluster(x);
      assertEquals(canon(b.labels), canon(a.labels), `${linkage} at ${threshold}`);
      assertEquals(b.extra?.route, "exact");
    }
  }
  const c = await registry.create("clusterer", "ahc-large", { threshold: 0.05 });
  assertEquals((await c.cluster(x, { maxClusters: 3 })).numClusters, 3);
  const one = await registry.create("clusterer", "ahc-large", { threshold: 1.9 });
  assertEquals((await one.cluster(x, { minClusters: 2 })).numClusters, 2);
  assertEquals((await one.cluster(x, { numClusters: 4 })).numClusters, 4);
  // no stopping rule: the contract's words (the diarize recipes rephrase them for users)
  const none = await registry.create("clusterer", "ahc-large", {});
  await assertRejects(async () => await none.cluster(x), Error, "no stopping rule");
});

Deno.test("ahc-large minClusterSize equals pyannote's AgglomerativeClustering (port checked against pyannote)", async () => {
  for (const seed of [1, 2, 3]) {
    const x = blobs(90, 4, 12, 0.8, seed);
    for (const threshold of [0.4, 0.7, 1.0]) {
      const want = pyannoteAhc(x, 1, x.rows, undefined, {
        threshold,
        method: "centroid",
        minClusterSize: 12,
      });
      const c = await registry.create("clusterer", "ahc-large", {
        linkage: "centroid",
        threshold,
        minClusterSize: 12,
      });
      const got = await c.cluster(x);
      assertEquals(canon(got.labels), canon(want), `seed ${seed}, threshold ${threshold}`);
    }
  }
});

Deno.test("readLongWav reads mono PCM16 and float32 WAVs in blocks exactly as the full decoder", async () => {
  await withTempDir(async (dir) => {
    const rng = new Rng(5);
    const x = Float32Array.from({ length: 2 ** 20 + 17 }, () => 0.3 * rng.normal());
    const pcm = join(dir, "a.wav");
    await Deno.writeFile(pcm, wavPcm16(x, 16000));
    const full = decodeWav(await Deno.readFile(pcm), pcm).channels[0];
    assertEquals(await readLongWav(pcm, 16000), full);
    // float32: the header of a PCM16 file with format 3 and 32 bits, the samples as they are
    const f32 = join(dir, "b.wav"), body = new Uint8Array(x.buffer);
    const head = wavPcm16(new Float32Array(0), 16000).slice(0, 44);
    const dv = new DataView(head.buffer);
    dv.setUint16(20, 3, true),
      dv.setUint32(28, 64000, true),
      dv.setUint16(32, 4, true),
      dv.setUint16(34, 32, true);
    dv.setUint32(40, body.length, true), dv.setUint32(4, 36 + body.length, true);
    const bytes = new Uint8Array(head.length + body.length);
    bytes.set(head), bytes.set(body, head.length);
    await Deno.writeFile(f32, bytes);
    assertEquals(await readLongWav(f32, 16000), decodeWav(await Deno.readFile(f32), f32).channels[0]);
    // another rate: left to the full decoder (which resamples)
    assertEquals(await readLongWav(pcm, 8000), undefined);
  });
});

Deno.test("a recording's turns in a corpus RTTM: exact id, id without accents, the only recording, else a clear error", () => {
  const t = (file: string, speaker: string): Turn => ({ file, channel: "1", onset: 0, duration: 1, speaker });
  const all = [t("trn00", "A"), t("trn01", "B"), t("trn01", "C")];
  assertEquals(turnsOfRecording(all, "trn01", "x.rttm").turns.length, 2);
  const m = turnsOfRecording(all, "trñ00", "x.rttm");
  assertEquals([m.id, m.turns.length], ["trn00", 1]);
  assert(m.note?.includes("without accents"));
  assertEquals(turnsOfRecording([t("ref", "A")], "audio", "x.rttm").id, "ref");
  assertThrows(() => turnsOfRecording(all, "dev00", "x.rttm"), InputError, "it holds trn00, trn01");
});

Deno.test("speaker counts: the request built from them, and contradictions refused with the fix", () => {
  assertEquals(speakerRequest({ numSpeakers: 3, minSpeakers: null, maxSpeakers: null }), { numClusters: 3 });
  assertEquals(speakerRequest({ numSpeakers: null, minSpeakers: 2, maxSpeakers: 5 }), {
    minClusters: 2,
    maxClusters: 5,
  });
  assertThrows(
    () => validateSpeakers("diarize", { numSpeakers: null, minSpeakers: 4, maxSpeakers: 2 }),
    ConfigError,
    "swap them",
  );
  assertThrows(
    () => validateSpeakers("diarize", { numSpeakers: 6, minSpeakers: 1, maxSpeakers: 4 }),
    ConfigError,
    "outside",
  );
});

Deno.test("the recipe chosen: windows unless a segmentation is given or installed; online with VAD speakers", async () => {
  const parse = (s: string) => parseSpec(s, "segmenter");
  const yes = () => Promise.resolve(true), no = () => Promise.resolve(false);
  assertEquals((await choosePipeline({}, parse, no)).name, "windows");
  assert((await choosePipeline({}, parse, no)).why.includes("models pull pyannote-segmentation-3.0"));
  const inst = await choosePipeline({}, parse, yes);
  assertEquals([inst.name, inst.segmentation], ["segmentation", {
    name: "pyannet-segmentation",
    options: { model: "zoo:pyannote-segmentation-3.0" },
  }]);
  assertEquals((await choosePipeline({ segmentation: "none" }, parse, yes)).name, "windows");
  assertEquals((await choosePipeline({ segmentation: "oracle" }, parse, no)).segmentation, "oracle");
  assertEquals((await choosePipeline({ segmentation: "random:pyannet" }, parse, no)).segmentation, {
    name: "pyannet-segmentation",
    options: { model: "random:pyannet" },
  });
  assertEquals((await choosePipeline({ online: true }, parse, no)).segmentation, "vad");
  assertEquals(
    (await choosePipeline({ embeddings: true, segmentation: "oracle" }, parse, yes)).name,
    "windows",
  );
});
