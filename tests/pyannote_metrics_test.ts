/**
 * Detection error rate / precision / recall / F / accuracy and purity / coverage
 * (core/diarization/pyannote_metrics.ts, plugins `detection` and `purity-coverage`) against the values
 * pyannote.metrics' own tests publish (tests/test_detection.py, tests/test_diarization.py), on their
 * annotations rebuilt here.
 */
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";
import { detectionMetrics, purityCoverage, scoringRegion } from "../core/diarization/pyannote_metrics.ts";
import type { Turn } from "../core/diarization/rttm.ts";
import { registry } from "../plugins/mod.ts";

const ann = (file: string, segs: [number, number, string][]): Turn[] =>
  segs.map(([a, b, s]) => ({ file, channel: "1", onset: a, duration: b - a, speaker: s }));

// tests/test_detection.py
const detRef = ann("f", [[0, 5, "A"], [6, 10, "B"], [12, 14, "A"], [15, 20, "C"]]);
const detHyp = ann("f", [[1, 7, "A"], [7, 9, "D"], [7, 10, "B"], [11, 17, "C"], [18, 20, "D"]]);
// tests/test_diarization.py
const diaRef = ann("f", [[0, 10, "A"], [12, 20, "B"], [24, 27, "A"], [30, 40, "C"]]);
const diaHyp = ann("f", [[2, 13, "a"], [13, 14, "d"], [14, 20, "b"], [22, 38, "c"], [38, 40, "d"]]);

Deno.test("detection metrics equal pyannote.metrics' published test values", () => {
  const m = detectionMetrics(detRef, detHyp);
  assertAlmostEquals(m.detectionErrorRate, 0.3125, 1e-7); // test_error_rate
  assertAlmostEquals(m.falseAlarm, 3.0, 1e-7); // test_detailed
  assertAlmostEquals(m.miss, 2.0, 1e-7);
  assertAlmostEquals(m.total, 16.0, 1e-7);
  assertAlmostEquals(m.accuracy, 0.75, 1e-3); // test_accuracy: 15 / 20
  assertAlmostEquals(m.precision, 0.8235, 1e-3); // test_precision: 14 / 17
  assertAlmostEquals(m.recall, 0.875, 1e-3); // test_recall: 14 / 16
  assertAlmostEquals(m.fMeasure, 0.848, 1e-3); // test_fscore: 28 / 33
  assertAlmostEquals(m.fMeasure, 28 / 33, 1e-12);
});

Deno.test("purity and coverage equal pyannote.metrics' published test values (0.6666, 0.7096)", () => {
  const p = purityCoverage(diaRef, diaHyp);
  assertAlmostEquals(p.purity, 0.6666, 1e-3); // test_purity
  assertAlmostEquals(p.coverage, 0.7096, 1e-3); // test_coverage
  assertEquals([p.purityCorrect, p.purityTotal, p.coverageCorrect, p.coverageTotal], [24, 36, 22, 31]);
});

Deno.test("scoring region: collar (total width) and skipped overlap as pyannote.metrics' uemify", () => {
  // test_bug_16: reference [0, 10], empty hypothesis, collar 1 -> 9 s scored, collar 0 -> 10 s
  const ref = ann("f", [[0, 10, "A"]]);
  assertAlmostEquals(detectionMetrics(ref, [], { collar: 1 }).total, 9, 1e-9);
  assertAlmostEquals(detectionMetrics(ref, [], { collar: 0 }).total, 10, 1e-9);
  assertEquals(detectionMetrics(ref, []).detectionErrorRate, 1);
  // reference_with_overlap of test_diarization.py: [12, 13] is overlap; skipping it leaves 32 s of speech
  // (test_skip_overlap's DER total: only single-speaker speech is left, so it equals the detection total)
  const ov = ann("f", [[0, 13, "A"], [12, 20, "B"], [24, 27, "A"], [30, 40, "C"]]);
  const region = scoringRegion(ov, diaHyp, { skipOverlap: true });
  assertEquals(region, [[0, 12], [13, 40]]);
  assertAlmostEquals(detectionMetrics(ov, diaHyp, { skipOverlap: true }).total, 32, 1e-9);
  // with an explicit UEM only [1, 14] is scored
  const uem = new Map([["f", [[1, 14] as [number, number]]]]);
  const m = detectionMetrics(detRef, detHyp, { uem });
  assertAlmostEquals(m.total, 4 + 4 + 2, 1e-9);
  assertAlmostEquals(m.falseAlarm, 2, 1e-9);
});

Deno.test("several files accumulate components (pyannote's aggregation), not per-file rates", () => {
  const a = detectionMetrics(detRef, detHyp);
  const gRef = ann("g", [[0, 5, "A"]]), gHyp = ann("g", [[0, 20, "x"]]);
  const twice = detectionMetrics([...detRef, ...gRef], [...detHyp, ...gHyp]);
  const b = detectionMetrics(gRef, gHyp);
  assertAlmostEquals(
    twice.detectionErrorRate,
    (a.miss + a.falseAlarm + b.miss + b.falseAlarm) / (a.total + b.total),
    1e-12,
  );
  assert(Math.abs(twice.detectionErrorRate - (a.detectionErrorRate + b.detectionErrorRate) / 2) > 1e-3);
});

Deno.test("detection and purity-coverage plugins through the registry", async () => {
  const det = await registry.create("metric", "detection", {});
  const r = det.compute({ reference: detRef, hypothesis: detHyp });
  assertAlmostEquals(r.detectionErrorRate, 0.3125, 1e-7);
  assertAlmostEquals(r.precision, 14 / 17, 1e-12);
  const pc = await registry.create("metric", "purity-coverage", {});
  const p = pc.compute({ reference: diaRef, hypothesis: diaHyp });
  assertAlmostEquals(p.purity, 24 / 36, 1e-12);
  assertAlmostEquals(p.coverage, 22 / 31, 1e-12);
  let msg = "";
  try {
    det.compute({ reference: "x" });
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(msg.includes("readRttm"), msg);
});
