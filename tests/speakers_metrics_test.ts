/**
 * Identification metrics and the speaker scorer's normalisation / calibration:
 * - the `identification` metric plugin, through the registry, against tests/golden/identification.json
 *   (an independent numpy/scipy port of pyannote.metrics' IER, precision, recall, plus top-N accuracy;
 *   generator tests/golden/gen_identification.py) and a case checked by hand;
 * - AS-norm through the "normalizer" slot against the formula computed here (top-N cohort cosines);
 * - calibrated scores equal the calibrator's linear llr = w * s + b, and threshold 0 means llr > 0.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { golden } from "./helpers.ts";
import { syntheticItems, TEST_MODEL } from "./speakers_child.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { fitStoreCalibration, openSpeakerStore, SpeakerScorer, StoreError } from "../core/speakers/mod.ts";
import { Rng } from "../core/random.ts";

interface GoldenCase {
  name: string;
  reference: unknown[];
  hypothesis: unknown[];
  durations: number[];
  ranked: string[][];
  options: Record<string, unknown>;
  expected: Record<string, number>;
}

Deno.test("identification metric (registry): IER, precision, recall, top-N equal the numpy/scipy port", async () => {
  const g = golden<{ cases: GoldenCase[] }>("identification.json");
  assertEquals(g.cases.length, 5);
  for (const c of g.cases) {
    const m = await registry.create("metric", "identification", c.options);
    const got = m.compute({
      reference: c.reference,
      hypothesis: c.hypothesis,
      durations: c.durations,
      ranked: c.ranked,
    });
    assertEquals(Object.keys(got).sort(), Object.keys(c.expected).sort(), c.name);
    for (const [k, v] of Object.entries(c.expected)) assertAlmostEquals(got[k], v, 1e-12, `${c.name} ${k}`);
  }
});

Deno.test("identification metric: hand-checked open-set case and input errors", async () => {
  const m = await registry.create("metric", "identification", {});
  // alice right, bob right, carol confused with alice, an unenrolled speaker (null) accepted as bob,
  // dave rejected (null): IER counts Unknown vs name as confusion.
  const r = m.compute({
    reference: ["alice", "bob", "carol", null, "dave"],
    hypothesis: ["alice", "bob", "alice", "bob", null],
  });
  assertEquals([r.correct, r.confusion, r.miss, r.falseAlarm, r.total], [2, 3, 0, 0, 5]);
  assertAlmostEquals(r.ier, 3 / 5, 1e-15);
  assertAlmostEquals(r.precision, 2 / 4, 1e-15); // 4 named hypotheses, 2 right
  assertAlmostEquals(r.recall, 2 / 4, 1e-15); // 4 known references, 2 found
  const empty = m.compute({ reference: [], hypothesis: [] });
  assertEquals([empty.ier, empty.precision, empty.recall], [0, 1, 1]);
  let threw = "";
  try {
    m.compute({ reference: ["a"], hypothesis: [] });
  } catch (e) {
    threw = (e as Error).message;
  }
  assert(threw.includes("one entry per segment"), threw);
});

function topNStats(x: Float32Array, cohort: Float32Array[], n: number): [number, number] {
  const s = cohort.map((c) => cos(x, c)).sort((a, b) => b - a).slice(0, n);
  const mu = s.reduce((a, b) => a + b, 0) / s.length;
  return [mu, Math.sqrt(s.reduce((a, b) => a + (b - mu) ** 2, 0) / s.length)];
}

function cos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
  return ab / Math.sqrt(aa * bb);
}

Deno.test("speaker scorer: AS-norm against the store's cohort equals the formula; calibration gives w*s+b", async () => {
  const dir = await Deno.makeTempDir({ prefix: "embedkit-spk-" });
  const store = await openSpeakerStore(`${dir}/store`);
  try {
    for (let i = 0; i < 6; i++) await store.enroll(`spk${i}`, TEST_MODEL, syntheticItems(10 + i, 4));
    const cohortRows: Float32Array[] = [];
    for (let i = 0; i < 8; i++) {
      const items = syntheticItems(50 + i, 3);
      cohortRows.push(...items.map((x) => x.embedding));
      await store.enroll(`imp${i}`, TEST_MODEL, items, { role: "cohort" });
    }
    await assertRejects(
      () => SpeakerScorer.create(store, registry, TEST_MODEL, { calibrate: true }),
      StoreError,
      "run 'speakers calibrate'",
    );
    const topN = 10;
    const norm = { name: "asnorm", options: { topN } };
    const scorer = await SpeakerScorer.create(store, registry, TEST_MODEL, { normalizer: norm, exact: true });
    assertEquals(scorer.scale, "normalized");
    const test = syntheticItems(12, 1, 8, "probe")[0].embedding;
    const ranked = await scorer.identify(test, 6);
    assertEquals(ranked.length, 6);
    for (const c of ranked) {
      const model = (await store.speaker(c.name)).model;
      const s = cos(model, test);
      const [me, se] = topNStats(model, cohortRows, topN), [mt, st] = topNStats(test, cohortRows, topN);
      assertAlmostEquals(c.cosine, s, 1e-6);
      assertAlmostEquals(c.score, 0.5 * ((s - me) / se + (s - mt) / st), 1e-4);
    }
    assertEquals(ranked[0].name, "spk2", "the probe drawn around spk2's centre is identified");
    const fit = await fitStoreCalibration(store, registry, TEST_MODEL, { normalizer: norm, seed: 5 });
    assertEquals([fit.targets, fit.nonTargets], [24, 24 * 5]);
    const cal = await SpeakerScorer.create(store, registry, TEST_MODEL, {
      normalizer: norm,
      calibrate: true,
      exact: true,
    });
    assertEquals([cal.scale, cal.defaultThreshold], ["llr", 0]);
    const w = (fit.state.weights as number[])[0], b = fit.state.offset as number;
    assert(w > 0, `a useful calibration increases with the score (w ${w})`);
    const llr = await cal.identify(test, 3);
    llr.forEach((c, k) => assertAlmostEquals(c.score, w * ranked[k].score + b, 1e-4));
    const v = await cal.verify("spk2", test);
    assertAlmostEquals(v.score, llr[0].score, 1e-4);
    const rng = new Rng(3);
    const far = Float32Array.from({ length: 8 }, () => rng.normal());
    assert((await cal.verify("spk0", far)).score < (await cal.verify("spk2", test)).score);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
