/**
 * The speaker registry's default thresholds (core/speakers/scoring.ts) come from the measurement in
 * bench/speaker_thresholds.results.json (bench/speaker_thresholds.ts), not from hand-typed numbers:
 * - every measured model's constants equal the results file's chosen thresholds, and each entry's sha256
 *   is the zoo's pinned sha256 of the model it names (a retrained model must be re-measured);
 * - DEFAULT_THRESHOLDS are those of the model the zoo name `embedkit-speaker` resolves to;
 * - each chosen threshold follows the documented rule from the file's own figures, and the rule itself
 *   is checked on hand-derived cases;
 * - the TDNN's figures reproduce the earlier independent measurement (the doc comment the constants had
 *   before this file existed: never-enrolled at most 0.716, enrolled at least 0.745; AS-norm 2.23 vs 2.84);
 * - a scorer uses its own model's thresholds (a store of the TDNN keeps the TDNN's), others the defaults.
 */
import { assert, assertEquals } from "./assert.ts";
import { syntheticItems, TEST_MODEL } from "./speakers_child.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { ZOO_ALIASES, zooModel } from "../core/zoo/catalog.ts";
import {
  DEFAULT_SPEAKER_MODEL_SHA256,
  DEFAULT_THRESHOLDS,
  MEASURED_THRESHOLDS,
  thresholdsFor,
} from "../core/speakers/scoring.ts";
import { DEFAULT_SPEAKER_BACKBONE, openSpeakerStore, SpeakerScorer } from "../core/speakers/mod.ts";
import { chooseThreshold } from "../bench/speaker_thresholds.ts";

interface Figures {
  neverEnrolledMax: number;
  enrolledCorrectMin: number;
  threshold: number;
  separable: boolean;
  top1Correct: number;
}
interface Entry {
  backbone: string;
  zoo: string;
  modelSha256: string;
  cosine: Figures;
  normalized: Figures;
}
const RESULTS: { models: Entry[]; protocol: { tests: Record<string, number> } } = JSON.parse(
  await Deno.readTextFile(new URL("../bench/speaker_thresholds.results.json", import.meta.url)),
);

Deno.test("speaker thresholds: the constants are the results file's chosen thresholds, per pinned model", () => {
  assertEquals(RESULTS.protocol.tests, { enrolled: 30, neverEnrolled: 40 });
  assertEquals(
    Object.keys(MEASURED_THRESHOLDS).sort(),
    RESULTS.models.map((m) => m.modelSha256).sort(),
    "one constant entry per measured model, no more",
  );
  for (const m of RESULTS.models) {
    assertEquals(
      zooModel(m.zoo).bundled?.sha256,
      m.modelSha256,
      `${m.zoo}: measured file is the shipped one`,
    );
    assertEquals(
      MEASURED_THRESHOLDS[m.modelSha256],
      { model: m.zoo, cosine: m.cosine.threshold, normalized: m.normalized.threshold },
      `${m.zoo}: copy the thresholds from bench/speaker_thresholds.results.json`,
    );
  }
});

Deno.test("speaker thresholds: the defaults are those of the model embedkit-speaker resolves to", () => {
  assertEquals(DEFAULT_SPEAKER_BACKBONE, "onnx-speaker:model=zoo:embedkit-speaker");
  const target = ZOO_ALIASES["embedkit-speaker"];
  assertEquals(zooModel("embedkit-speaker").bundled?.sha256, DEFAULT_SPEAKER_MODEL_SHA256);
  const e = RESULTS.models.find((m) => m.zoo === target);
  assert(
    e,
    `bench/speaker_thresholds.results.json has no entry for ${target}: run bench/speaker_thresholds.ts`,
  );
  assertEquals(DEFAULT_THRESHOLDS, {
    cosine: e.cosine.threshold,
    normalized: e.normalized.threshold,
    llr: 0,
  });
});

Deno.test("speaker thresholds: the rule (hand-derived) and each chosen threshold follows it from its figures", () => {
  // midpoint 0.73045: 0.7 is below 0.7158 (outside), 0.73 inside
  assertEquals(chooseThreshold(0.7158, 0.7451), { threshold: 0.73, separable: true });
  // midpoint 2.53175: 2.5 inside
  assertEquals(chooseThreshold(2.2265, 2.837), { threshold: 2.5, separable: true });
  // midpoint 0.711: 0.7 and 0.71 are outside (0.71 = never max), 0.711 inside
  assertEquals(chooseThreshold(0.71, 0.712), { threshold: 0.711, separable: true });
  // overlap: midpoint 0.49055 to 2 decimals
  assertEquals(chooseThreshold(0.5263, 0.4548), { threshold: 0.49, separable: false });
  for (const m of RESULTS.models) {
    for (const f of [m.cosine, m.normalized]) {
      assertEquals(
        chooseThreshold(f.neverEnrolledMax, f.enrolledCorrectMin),
        { threshold: f.threshold, separable: f.separable },
      );
    }
  }
});

Deno.test("speaker thresholds: the TDNN's figures reproduce the earlier measurement", () => {
  const t = RESULTS.models.find((m) => m.zoo === "embedkit-tdnn-librispeech");
  assert(t, "the TDNN is measured as the script's check");
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  assertEquals([r3(t.cosine.neverEnrolledMax), r3(t.cosine.enrolledCorrectMin)], [0.716, 0.745]);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  assertEquals([r2(t.normalized.neverEnrolledMax), r2(t.normalized.enrolledCorrectMin)], [2.23, 2.84]);
});

Deno.test({
  name: "speaker thresholds: a scorer uses its own model's measured thresholds, else the defaults",
  sanitizeResources: false,
  async fn() {
    const tdnn = zooModel("embedkit-tdnn-librispeech").bundled!.sha256;
    const m = MEASURED_THRESHOLDS[tdnn];
    assertEquals(thresholdsFor(tdnn), { cosine: m.cosine, normalized: m.normalized, llr: 0 });
    assertEquals(thresholdsFor(TEST_MODEL.sha256), DEFAULT_THRESHOLDS);
    assert(
      MEASURED_THRESHOLDS[tdnn].cosine !== DEFAULT_THRESHOLDS.cosine,
      "the check below can tell them apart",
    );
    const dir = await Deno.makeTempDir({ prefix: "embedkit-thr-" });
    const store = await openSpeakerStore(`${dir}/store`);
    try {
      const model = { ...TEST_MODEL, sha256: tdnn };
      await store.enroll("a", model, syntheticItems(1, 2));
      const sc = await SpeakerScorer.create(store, registry, model, { exact: true });
      assertEquals(sc.defaultThreshold, MEASURED_THRESHOLDS[tdnn].cosine);
    } finally {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
