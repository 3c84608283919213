/**
 * Issue 13 phase 2: the defaults `diarize` runs with are the ones the committed tuning scripts chose
 * (bench/diarize_tune.ts on AMI debug train + development, bench/diarize_online.ts on train), and the
 * tuning recorded its evidence: DER on development and, once, on test.
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";
import {
  DEFAULT_RULES,
  defaultClusterer,
  DIARIZE_PRESET,
  ONLINE_BACKBONE,
  ONLINE_TUNED,
  OVERLAP_TUNED,
} from "../core/pipelines/diarize_defaults.ts";
import type { Resolved } from "../core/pipelines/stages/mod.ts";
import { ONLINE_OPTIONS } from "../core/pipelines/diarize_online.ts";
import { OVERLAP_BACKBONE, OVERLAP_OPTIONS } from "../core/pipelines/diarize_overlap.ts";

const read = (name: string) => JSON.parse(Deno.readTextFileSync(join(ROOT, "bench", name)));

Deno.test("the diarize preset and the per-backbone rules are bench/diarize_tune.ts's choice", () => {
  const r = read("diarize_tune.results.json");
  assertEquals(r.generatedBy, "bench/diarize_tune.ts");
  assertEquals(DIARIZE_PRESET, r.preset);
  for (const [name, rule] of Object.entries(DEFAULT_RULES)) {
    assertEquals({ backbone: rule.backbone, clusterer: rule.clusterer }, {
      backbone: r.rules[name].backbone,
      clusterer: r.rules[name].clusterer,
    }, name);
  }
  assertEquals(OVERLAP_TUNED, r.overlap.tuned);
  assertEquals(OVERLAP_OPTIONS.clustering.threshold.default, r.overlap.tuned.threshold);
  assertEquals(OVERLAP_BACKBONE, r.overlap.tuned.backbone, "the overlap recipe embeds with its tuned model");
  const ob = r.overlap.grid.map((g: { der: { trainDev: number } }) => g.der.trainDev);
  assertEquals(r.overlap.der.trainDev, Math.min(...ob), "overlap: best (backbone, centring) of its grid");
  // the preset is the best system of the grid by pooled train + development DER, never tuned on test
  const best = Math.min(...r.grid.map((g: { der: { trainDev: number } }) => g.der.trainDev));
  assertEquals(r.der.trainDev, best);
  assert(
    r.grid.every((g: { der: Record<string, number> }) => !("test" in g.der)),
    "test must not enter the grid",
  );
  // its evidence: development and test DER recorded (test once, after the choice)
  for (const k of ["train", "development", "test"]) assert(Number.isFinite(r.der[k]), k);
  assert(Date.parse(r.testEvaluatedAt) >= Date.parse(r.generatedAt), "test scored after tuning");
  assert(Number.isFinite(r.overlap.der.test));
});

Deno.test("the online thresholds are bench/diarize_online.ts's choice (tuned on train)", () => {
  const r = read("diarize_online.results.json");
  assertEquals(r.generatedBy, "bench/diarize_online.ts");
  assertEquals(ONLINE_TUNED, {
    deltaNew: r.tuned.deltaNew,
    vadDeltaNew: r.tuned.vadDeltaNew,
    localThreshold: r.tuned.localThreshold,
  });
  assertEquals(ONLINE_OPTIONS.localThreshold.default, r.tuned.localThreshold);
  // its thresholds belong to the model they were tuned with, whatever the offline recipes use
  assertEquals(ONLINE_BACKBONE, r.setup.backbone);
  assertEquals(ONLINE_OPTIONS.deltaNew.default, null, "null: the tuned value of the source");
  const latencies = r.curves.map((c: { latency: number }) => c.latency);
  assert(latencies.includes(0.5) && latencies.includes(5), "DER reported from 0.5 to 5 s of latency");
});

/** A backbone as a run resolves it (only what the rule lookup reads). */
const onnx = (model: string): Resolved<"backbone"> => ({
  slot: "backbone",
  name: "onnx-speaker",
  label: model,
  options: { model },
  config: { model },
  code: "",
});

Deno.test("a tuned rule applies to its model, under its zoo alias too, and to no other model", () => {
  const rule = (name: string) => ({ ...DEFAULT_RULES[name].clusterer, label: undefined });
  const got = (model: string) => ({ ...defaultClusterer(onnx(model)).spec, label: undefined });
  assertEquals(got("zoo:embedkit-ecapa-librispeech"), rule("embedkit-ecapa"));
  // zoo:embedkit-speaker is catalog.ts's alias of the ECAPA: the same weights, so the same threshold
  assertEquals(got("zoo:embedkit-speaker"), rule("embedkit-ecapa"));
  assertEquals(got("zoo:embedkit-tdnn-librispeech"), rule("embedkit-tdnn"));
  // another embedding space: no threshold of these applies, the eigengap (no threshold) does
  assertEquals(defaultClusterer(onnx("random:ecapa-small")).spec.name, "spectral");
  assert(defaultClusterer(onnx("zoo:embedkit-speaker")).why.includes("embedkit-ecapa"));
});
