/**
 * Issue 13 phase 2: the overlap-aware recipe (core/pipelines/diarize_overlap.ts). With the oracle
 * segmentation on real AMI recordings it writes overlapping turns where the reference overlaps (measured
 * with the RTTM interval helpers, independently of the recipe); its nested options explain what is wrong;
 * a segmenter plugin (random-weight PyanNet) runs through the same stages.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { needsShared, shared } from "./helpers.ts";
import "../plugins/mod.ts";
import { diarizeOverlap } from "../core/pipelines/diarize_overlap.ts";
import {
  intersectIntervals,
  parseRttm,
  regionsWithSpeakers,
  totalDuration,
} from "../core/diarization/rttm.ts";
import { ConfigError } from "../core/errors.ts";
import { Rng } from "../core/random.ts";
import { DIARIZATION_METRICS } from "./diarization_metric_names.ts";

Deno.test(
  needsShared(
    "oracle segmentation on AMI: overlapping turns where the reference overlaps, low DER with overlap scored",
  ),
  async () => {
    let refOv = 0, hypOv = 0, both = 0;
    for (const [id, split] of [["trn08", "train"], ["trn09", "train"], ["tst00", "test"]]) {
      const r = await diarizeOverlap({
        audio: shared("ami", `${id}.wav`),
        reference: shared("ami", `debug.${split}.rttm`),
        segmentation: "oracle",
        quiet: true,
      });
      const s = r.systems[0];
      assertEquals(r.pipeline?.name, "segmentation");
      assertEquals(r.stages.map((x) => x.stage), ["segmentation", "embed-local", "cluster-local", "score"]);
      // the RTTM written is what is scored: parse it back
      const hyp = parseRttm(s.rttm), ref = r.reference!;
      const ro = regionsWithSpeakers(ref, 2), ho = regionsWithSpeakers(hyp, 2);
      refOv += totalDuration(ro),
        hypOv += totalDuration(ho),
        both += totalDuration(intersectIntervals(ro, ho));
      assert(s.metrics["DER %"] < 35, `${id}: ${JSON.stringify(s.metrics)}`);
      assertEquals(r.scoring?.skipOverlap, false);
      for (const k of DIARIZATION_METRICS) {
        assert(Number.isFinite(s.metrics[k]), k);
      }
      console.error(`${id}: DER ${s.metrics["DER %"].toFixed(2)} %, ${s.numSpeakers} speakers`);
    }
    console.error(
      `overlap: reference ${refOv.toFixed(2)} s, written ${hypOv.toFixed(2)} s, in common ${
        both.toFixed(2)
      } s`,
    );
    assert(refOv > 30, "these recordings overlap");
    assert(both / refOv > 0.8, `overlap found where the reference has it: ${both} of ${refOv} s`);
    assert(both / hypOv > 0.8, `overlap written where the reference has none: ${hypOv - both} s`);
  },
);

Deno.test("overlap recipe options: nested sections, each problem said with the fix", async () => {
  const base = { samples: new Float32Array(16000), segmentation: "oracle" as const, quiet: true };
  await assertRejects(
    () => diarizeOverlap({ ...base, config: { clustering: { treshold: 0.5 } as never } }),
    ConfigError,
    "did you mean 'clustering.threshold'",
  );
  await assertRejects(
    () => diarizeOverlap({ ...base, config: { clustering: { minSpeakers: 4, maxSpeakers: 2 } } }),
    ConfigError,
    "swap them",
  );
  await assertRejects(
    () => diarizeOverlap({ ...base, config: { segmentation: { step: 1.5 } } }),
    ConfigError,
    "'segmentation.step' must be",
  );
  await assertRejects(() => diarizeOverlap(base), ConfigError, "needs a reference RTTM");
});

Deno.test("a segmenter plugin (random-weight PyanNet) runs the overlap recipe end to end", async () => {
  const rng = new Rng(4);
  const samples = Float32Array.from(
    { length: 16000 * 14 },
    (_, i) => 0.1 * Math.sin(i / 9) + 0.05 * rng.normal(),
  );
  const r = await diarizeOverlap({
    samples,
    file: "noise",
    segmentation: { name: "pyannet-segmentation", options: { model: "random:pyannet-small@2" } },
    backbone: "fbank-stats",
    config: { clustering: { numSpeakers: 2 } },
    quiet: true,
  });
  assertEquals(r.stages.map((x) => x.stage), ["segmentation", "embed-local", "cluster-local"]);
  assert(r.vad.method.startsWith("segmentation model"), r.vad.method);
  for (const t of parseRttm(r.systems[0].rttm)) assert(t.onset >= 0 && t.onset + t.duration <= 14.01);
});
