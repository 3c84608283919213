/**
 * Verification scorers: metrics against the independent Python oracle in tests/golden/
 * (gen_verification_metrics.py -> verification_metrics.json), normalisation and calibration against
 * numpy/scipy goldens, every plugin through the registry.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { Calibrator, Metric, NormContext, ScoreNormalizer, TrialScorer } from "../core/contracts/mod.ts";
import { ConfigError, InputError, PluginError } from "../core/errors.ts";
import { matrix } from "../core/matrix.ts";
import { golden, maxAbsDiff, withTempDir } from "./helpers.ts";
import { enrollByMean, enrollmentModels, scoreByMean, trialIndex } from "../core/scoring/trials.ts";
import { parseScoreFile } from "../core/scoring/score_file.ts";
import { parseTrials } from "../core/io/kaldi_data.ts";
import { probit } from "../core/scoring/metrics.ts";
import { detSvg, writeDetSvg } from "../core/scoring/det_plot.ts";
import type { DetMetric } from "../plugins/scorers/det.ts";

interface MetricSet {
  tar: number[];
  non: number[];
  eer: number;
  eer_threshold: number;
  eer_rocch: number;
  "min_dcf_0.01": number;
  "min_dcf_0.05": number;
  "min_dcf_0.05_cmiss10": number;
  "act_dcf_0.01": number;
  "act_dcf_0.05": number;
  "act_dcf_0.5": number;
  cllr: number;
  min_cllr: number;
  has_ties: boolean;
  wespeaker?: { eer: number; eer_threshold: number; "min_dcf_0.01": number; "min_dcf_0.05": number };
  det: { n_points: number; pmiss_head: number[]; pfa_head: number[] };
}
const G = golden<{ sets: Record<string, MetricSet>; probit: { p: number[]; x: number[] } }>(
  "verification_metrics.json",
);

/** Scores as Float32Array in a shuffled-ish interleaved order (targets and non-targets mixed). */
function input(s: MetricSet): { scores: Float32Array; labels: Int8Array } {
  const n = s.tar.length + s.non.length;
  const scores = new Float32Array(n), labels = new Int8Array(n);
  let a = 0, b = 0;
  for (let i = 0; i < n; i++) {
    const takeTar = a < s.tar.length && (b >= s.non.length || (i * 7919) % n < (s.tar.length * n) / n);
    if (takeTar) [scores[i], labels[i]] = [s.tar[a++], 1];
    else [scores[i], labels[i]] = [s.non[b++], 0];
  }
  return { scores, labels };
}

const TOL = 1e-12;

Deno.test("eer: NIST-interpolated and ROCCH EER match the Python oracle on every score set (ties included)", async () => {
  const eer = await registry.create("scorer", "eer", {}) as Metric;
  let worst = 0;
  for (const [name, s] of Object.entries(G.sets)) {
    const r = eer.compute(input(s));
    assertAlmostEquals(r.eer, s.eer, TOL, `${name} eer`);
    assertAlmostEquals(r.eerThreshold, s.eer_threshold, 0, `${name} eer threshold`);
    assertAlmostEquals(r.eerRocch, s.eer_rocch, TOL, `${name} rocch eer`);
    worst = Math.max(worst, Math.abs(r.eer - s.eer), Math.abs(r.eerRocch - s.eer_rocch));
    if (s.wespeaker) assertAlmostEquals(r.eer, s.wespeaker.eer, TOL, `${name} eer vs literal WeSpeaker code`);
  }
  console.log(
    `eer: max |diff| vs oracle over ${Object.keys(G.sets).length} sets = ${worst.toExponential(2)}`,
  );
});

Deno.test("eer: ROCCH EER when a hull vertex lies on the diagonal (BOSARIS rocch2eer, hand-computed)", async () => {
  const eer = await registry.create("scorer", "eer", {}) as Metric;
  // tar 0 4 5, non 2 3 5: PAV bins {0, 2, 3} (P(tar) 1/3) and {4, 5, 5} (2/3), so the hull is
  // (Pfa, Pmiss) = (1, 0), (1/3, 1/3), (0, 1): it crosses Pmiss = Pfa at the vertex, EER = 1/3.
  const r = eer.compute({
    scores: Float32Array.of(5, 0, 4, 3, 5, 2),
    labels: Int8Array.of(1, 1, 1, 0, 0, 0),
  });
  assertAlmostEquals(r.eerRocch, 1 / 3, 1e-12, "vertex (1/3, 1/3) on the diagonal");
  // hull (1, 0), (0.5, 0), (0.25, 0.25), (0, 1): EER = 0.25 at the vertex.
  const r2 = eer.compute({
    scores: Float32Array.of(3, 3, 1, 4, 1, 0, 0, 5),
    labels: Int8Array.of(1, 1, 1, 1, 0, 0, 0, 0),
  });
  assertAlmostEquals(r2.eerRocch, 0.25, 1e-12, "vertex (0.25, 0.25) on the diagonal");
});

Deno.test("min-dcf: p_target 0.01 / 0.05 (and a custom cost) match the oracle and literal WeSpeaker", async () => {
  const m = await registry.create("scorer", "min-dcf", {}) as Metric;
  const m10 = await registry.create("scorer", "min-dcf", { pTargets: [0.05], cMiss: 10 }) as Metric;
  for (const [name, s] of Object.entries(G.sets)) {
    const r = m.compute(input(s));
    assertAlmostEquals(r["minDcf@0.01"], s["min_dcf_0.01"], TOL, `${name} minDCF 0.01`);
    assertAlmostEquals(r["minDcf@0.05"], s["min_dcf_0.05"], TOL, `${name} minDCF 0.05`);
    assertAlmostEquals(
      m10.compute(input(s))["minDcf@0.05"],
      s["min_dcf_0.05_cmiss10"],
      TOL,
      `${name} cmiss 10`,
    );
    if (s.wespeaker) {
      assertAlmostEquals(r["minDcf@0.01"], s.wespeaker["min_dcf_0.01"], TOL, `${name} vs WeSpeaker 0.01`);
      assertAlmostEquals(r["minDcf@0.05"], s.wespeaker["min_dcf_0.05"], TOL, `${name} vs WeSpeaker 0.05`);
    }
  }
});

Deno.test("act-dcf and cllr (+ minCllr via PAV, ties pooled) match the oracle", async () => {
  const a = await registry.create("scorer", "act-dcf", { pTargets: [0.01, 0.05, 0.5] }) as Metric;
  const c = await registry.create("scorer", "cllr", {}) as Metric;
  for (const [name, s] of Object.entries(G.sets)) {
    const r = a.compute(input(s));
    assertAlmostEquals(r["actDcf@0.01"], s["act_dcf_0.01"], TOL, `${name} actDCF 0.01`);
    assertAlmostEquals(r["actDcf@0.05"], s["act_dcf_0.05"], TOL, `${name} actDCF 0.05`);
    assertAlmostEquals(r["actDcf@0.5"], s["act_dcf_0.5"], TOL, `${name} actDCF 0.5`);
    const k = c.compute(input(s));
    assertAlmostEquals(k.cllr, s.cllr, 1e-12, `${name} cllr`);
    assertAlmostEquals(k.minCllr, s.min_cllr, 1e-9, `${name} minCllr`);
    assert(k.minCllr <= k.cllr + 1e-12, `${name}: minCllr <= Cllr`);
  }
});

Deno.test("det: points match the oracle sweep; probit matches scipy.stats.norm.ppf; SVG is written atomically", async () => {
  const det = await registry.create("scorer", "det", {}) as DetMetric;
  for (const [name, s] of Object.entries(G.sets)) {
    const c = det.curve(input(s));
    assertEquals(c.pmiss.length, s.det.n_points, `${name} number of points`);
    s.det.pmiss_head.forEach((v, i) => assertAlmostEquals(c.pmiss[i], v, TOL, `${name} pmiss[${i}]`));
    s.det.pfa_head.forEach((v, i) => assertAlmostEquals(c.pfa[i], v, TOL, `${name} pfa[${i}]`));
    assertEquals(det.compute(input(s)).points, s.det.n_points);
  }
  G.probit.p.forEach((p, i) =>
    assertAlmostEquals(probit(p), G.probit.x[i], 1e-9 * Math.max(1, Math.abs(G.probit.x[i])), `probit(${p})`)
  );
  const s = G.sets.gauss;
  const c = det.curve(input(s));
  const svg = detSvg([{ label: "gauss <sys>", pfa: c.pfa, pmiss: c.pmiss }], { title: "DET" });
  assert(svg.startsWith("<svg") && svg.includes("<polyline") && svg.includes("gauss &lt;sys&gt;"));
  await withTempDir(async (dir) => {
    await writeDetSvg(`${dir}/det.svg`, [{ label: "a", pfa: c.pfa, pmiss: c.pmiss }]);
    assert((await Deno.readTextFile(`${dir}/det.svg`)).includes("</svg>"));
    assertEquals([...Deno.readDirSync(dir)].length, 1, "no temp file left behind");
  });
});

Deno.test("metrics: bad input and bad options give clear errors", async () => {
  const eer = await registry.create("scorer", "eer", {}) as Metric;
  const e1 = assertThrows(
    () => eer.compute({ scores: new Float32Array([1, 2]), labels: new Int8Array([1]) }),
    PluginError,
  );
  assert(e1.message.includes("2 scores but 1 labels"), e1.message);
  const e2 = assertThrows(
    () => eer.compute({ scores: new Float32Array([1, NaN]), labels: new Int8Array([1, 0]) }),
    PluginError,
  );
  assert(e2.message.includes("score 1 is NaN"), e2.message);
  const e3 = assertThrows(
    () => eer.compute({ scores: new Float32Array([1, 2]), labels: new Int8Array([1, 1]) }),
    PluginError,
  );
  assert(e3.message.includes("at least one target and one non-target"), e3.message);
  const e4 = assertThrows(
    () => eer.compute({ scores: new Float32Array([1, 2]), labels: new Int8Array([1, 3]) }),
    PluginError,
  );
  assert(e4.message.includes("labels must be 1 (target), 0 (non-target)"), e4.message);
  await assertRejects(() => registry.create("scorer", "min-dcf", { pTargets: [1.5] }), ConfigError, "(0, 1)");
  await assertRejects(() => registry.create("scorer", "act-dcf", { cFa: 0 }), ConfigError, "cFa");
  // unknown labels (-1) are skipped, not counted
  const r = eer.compute({
    scores: new Float32Array([0.9, 0.1, 5, -5]),
    labels: new Int8Array([1, 0, -1, -1]),
  });
  assertEquals(r.eer, 0);
});

// ---- score normalisation --------------------------------------------------------------------------
interface NormGolden {
  dim: number;
  enroll: number[];
  test: number[];
  cohort: number[];
  cohort_labels: number[];
  trial_enroll: number[];
  trial_test: number[];
  raw: number[];
  snorm: number[];
  snorm_speaker: number[];
  asnorm_sample_top20: number[];
  asnorm_speaker_top10: number[];
  asnorm2_own_15_40: number[];
  asnorm2_other_15_40: number[];
}
interface CalCase {
  name: string;
  systems: number[];
  prior: number;
  regularization: number;
  weights: number[];
  offset: number;
  objective_bits: number;
  eval_llr: number[];
}
const N = golden<{
  norm: NormGolden;
  enrollment: {
    models: Record<string, string[]>;
    trials: [string, string][];
    embedding_mean: number[];
    score_mean: number[];
  };
  calibration: { dev: number[][]; dev_labels: number[]; eval: number[][]; cases: CalCase[] };
}>("score_norm_calibration.json");

function normContext(withLabels = true): NormContext {
  const g = N.norm, d = g.dim;
  return {
    enroll: matrix(g.enroll.length / d, d, g.enroll),
    test: matrix(g.test.length / d, d, g.test),
    cohort: matrix(g.cohort.length / d, d, g.cohort),
    cohortLabels: withLabels ? Int32Array.from(g.cohort_labels) : undefined,
    trials: { enroll: Int32Array.from(g.trial_enroll), test: Int32Array.from(g.trial_test) },
  };
}

async function rawScores(ctx: NormContext): Promise<Float32Array> {
  const cos = await registry.create("scorer", "cosine", {}) as TrialScorer;
  return cos.score(ctx.enroll, ctx.test, ctx.trials);
}

Deno.test("cosine raw scores match numpy (float32 inputs)", async () => {
  const ctx = normContext();
  const d = maxAbsDiff(await rawScores(ctx), N.norm.raw);
  assert(d < 2e-7, `cosine max |diff| ${d}`);
});

Deno.test("snorm / asnorm (sample and WeSpeaker per-speaker-mean cohort) match WeSpeaker's get_mean_std", async () => {
  const ctx = normContext();
  const raw = await rawScores(ctx);
  const cases: [string, Record<string, unknown>, number[]][] = [
    ["snorm", {}, N.norm.snorm],
    ["snorm", { cohortMode: "speaker-mean" }, N.norm.snorm_speaker],
    ["asnorm", { topN: 20 }, N.norm.asnorm_sample_top20],
    ["asnorm", { topN: 10, cohortMode: "speaker-mean" }, N.norm.asnorm_speaker_top10],
    ["asnorm", { topN: 5000 }, N.norm.snorm], // top-N beyond the cohort size = S-norm
    ["asnorm2", { topEnroll: 15, topTest: 40 }, N.norm.asnorm2_own_15_40],
    ["asnorm2", { topEnroll: 15, topTest: 40, selection: "other-side" }, N.norm.asnorm2_other_15_40],
  ];
  for (const [name, opts, want] of cases) {
    const norm = await registry.create("scorer", name, opts) as ScoreNormalizer;
    const got = norm.normalize(raw, ctx);
    const d = maxAbsDiff(got, want);
    console.log(`${name} ${JSON.stringify(opts)}: max |diff| vs numpy ${d.toExponential(2)}`);
    assert(d < 5e-5, `${name} ${JSON.stringify(opts)} max |diff| ${d}`);
  }
  // with equal X per side and own-side selection, asnorm2 is asnorm
  const a = (await registry.create("scorer", "asnorm", { topN: 20 }) as ScoreNormalizer).normalize(raw, ctx);
  const b = (await registry.create("scorer", "asnorm2", { topEnroll: 20, topTest: 20 }) as ScoreNormalizer)
    .normalize(raw, ctx);
  assert(maxAbsDiff(a, b) < 1e-6);
});

Deno.test("normalisers: missing cohort, missing labels, mismatched trials give clear errors", async () => {
  const ctx = normContext(false);
  const raw = await rawScores(ctx);
  const as = await registry.create("scorer", "asnorm", {
    topN: 10,
    cohortMode: "speaker-mean",
  }) as ScoreNormalizer;
  assertThrows(() => as.normalize(raw, ctx), Error, "needs ctx.cohortLabels");
  const s = await registry.create("scorer", "snorm", {}) as ScoreNormalizer;
  assertThrows(() => s.normalize(raw, { ...ctx, cohort: undefined }), Error, "needs a cohort");
  assertThrows(() => s.normalize(raw.subarray(1), ctx), Error, "249 scores for 250 trials");
  await assertRejects(() => registry.create("scorer", "asnorm", { topN: 1 }), ConfigError, "topN");
  await assertRejects(
    () => registry.create("scorer", "asnorm2", { selection: "both" }),
    ConfigError,
    "selection",
  );
});

Deno.test("multi-utterance enrollment: embedding mean and score mean match numpy; trials map ids with line numbers", async () => {
  const g = N.norm, d = g.dim;
  const enroll = matrix(g.enroll.length / d, d, g.enroll), test = matrix(g.test.length / d, d, g.test);
  const uttIds = Array.from({ length: enroll.rows }, (_, i) => `u${i}`);
  const testIds = Array.from({ length: test.rows }, (_, i) => `t${i}`);
  const enrollment = new Map(Object.entries(N.enrollment.models));
  const named = N.enrollment.trials.map(([e, t]) => ({ enroll: e, test: t }));
  const { models, x } = enrollByMean(enroll, uttIds, enrollment, { normalizeFirst: true });
  assertEquals(models, enrollmentModels(enrollment));
  const idx = trialIndex(named, models, testIds, "trials.txt");
  const cos = await registry.create("scorer", "cosine", {}) as TrialScorer;
  assert(maxAbsDiff(cos.score(x, test, idx), N.enrollment.embedding_mean) < 2e-7, "embedding mean");
  const sm = scoreByMean(cos, enroll, uttIds, enrollment, test, idx);
  assert(maxAbsDiff(sm, N.enrollment.score_mean) < 2e-7, "score mean");
  const badIdx = { ...idx, enroll: Int32Array.from(idx.enroll, (m, k) => (k === 1 ? models.length : m)) };
  assertThrows(
    () => scoreByMean(cos, enroll, uttIds, enrollment, test, badIdx),
    RangeError,
    `trial 1 indexes model ${models.length}`,
  );
  const e = assertThrows(
    () => trialIndex([...named, { enroll: "m1", test: "nope" }], models, testIds, "trials.txt"),
    InputError,
  );
  assert(e.message.includes(`trials.txt:${named.length + 1}: test id 'nope'`), e.message);
});

// ---- calibration and fusion -----------------------------------------------------------------------
Deno.test("logreg-calibration / linear-fusion match scipy.optimize on the BOSARIS objective; fit on dev, apply on eval", async () => {
  const c = N.calibration;
  const dev = c.dev.map((s) => Float32Array.from(s)), ev = c.eval.map((s) => Float32Array.from(s));
  const labels = Int8Array.from(c.dev_labels);
  for (const k of c.cases) {
    const name = k.systems.length === 1 ? "logreg-calibration" : "linear-fusion";
    const cal = await registry.create("scorer", name, {
      prior: k.prior,
      regularization: k.regularization,
    }) as Calibrator;
    cal.fit(k.systems.map((s) => dev[s]), labels);
    const st = cal.state!() as { weights: number[]; offset: number; objective: number };
    const dw = Math.max(maxAbsDiff(st.weights, k.weights), Math.abs(st.offset - k.offset));
    console.log(
      `${k.name}: max |param diff| vs scipy ${dw.toExponential(2)}, objective ${
        st.objective.toFixed(6)
      } bits`,
    );
    assert(dw < 1e-6, `${k.name}: params ${JSON.stringify(st)} vs ${JSON.stringify(k.weights)} ${k.offset}`);
    assert(st.objective <= k.objective_bits + 1e-12, `${k.name}: objective not below scipy's`);
    const llr = cal.apply(k.systems.map((s) => ev[s]));
    assert(maxAbsDiff(llr, k.eval_llr) < 1e-5, `${k.name} eval llrs`);
  }
  // calibrated dev scores have lower Cllr than raw ones and actDCF close to minDCF
  const cal = await registry.create("scorer", "logreg-calibration", {}) as Calibrator;
  cal.fit([dev[0]], labels);
  const cl = await registry.create("scorer", "cllr", {}) as Metric;
  const after = cl.compute({ scores: cal.apply([dev[0]]), labels });
  assert(after.cllr < cl.compute({ scores: dev[0], labels }).cllr);
  assert(after.cllr - after.minCllr < 0.05, `calibration loss ${after.cllr - after.minCllr}`);
});

Deno.test("average-fusion and calibrator errors", async () => {
  const avg = await registry.create("scorer", "average-fusion", {}) as Calibrator;
  const a = Float32Array.from([1, 2, 3]), b = Float32Array.from([3, 2, 1]);
  avg.fit([a, b], Int8Array.from([1, 0, 1]));
  assertEquals(Array.from(avg.apply([a, b])), [2, 2, 2]);
  const w = await registry.create("scorer", "average-fusion", { weights: [3, 1] }) as Calibrator;
  assertEquals(Array.from(w.apply([a, b])), [1.5, 2, 2.5]);
  assertThrows(() => w.apply([a]), Error, "2 weights configured for 1 systems");
  const cal = await registry.create("scorer", "logreg-calibration", {}) as Calibrator;
  assertThrows(() => cal.apply([a]), Error, "must be fit()");
  assertThrows(() => cal.fit([a, b], Int8Array.from([1, 0, 1])), Error, "use 'linear-fusion'");
  // perfectly separable without regularisation: clear advice instead of silent huge weights
  const sep = await registry.create("scorer", "logreg-calibration", {}) as Calibrator;
  assertThrows(
    () => sep.fit([Float32Array.from([3, 4, -1, -2])], Int8Array.from([1, 1, 0, 0])),
    Error,
    "regularization",
  );
  const reg = await registry.create("scorer", "logreg-calibration", { regularization: 1e-2 }) as Calibrator;
  reg.fit([Float32Array.from([3, 4, -1, -2])], Int8Array.from([1, 1, 0, 0]));
  // the same system twice (collinear): a clear error, not a silent all-zero (unconverged) model
  const dup = await registry.create("scorer", "linear-fusion", {}) as Calibrator;
  const s = Float32Array.from([0.5, 2, 1, -1, 0.2, -0.5]), l = Int8Array.from([1, 1, 0, 0, 1, 0]);
  assertThrows(() => dup.fit([s, s], l), RangeError, "collinear");
  const dupReg = await registry.create("scorer", "linear-fusion", { regularization: 1e-3 }) as Calibrator;
  dupReg.fit([s, s], l);
  assert(dupReg.apply([s, s]).some((v) => v !== 0), "regularised fusion of a duplicated system is fitted");
  await assertRejects(() => registry.create("scorer", "linear-fusion", { prior: 1 }), ConfigError, "prior");
});

Deno.test("score files: a trial scored twice is refused at its line; labels read as in trial lists", () => {
  assertThrows(
    () => parseScoreFile("a b 0.5 target\nc d 0.1 nontarget\n\na b 0.7 target\n", "s.txt"),
    InputError,
    "s.txt:4: second score for trial 'a b' (first on line 1)",
  );
  // the same label words in both readers (score files used to miss 'imposter', trial lists 'imp')
  const words = ["target", "TGT", "1", "nontarget", "imp", "Imposter", "0"];
  const fromScores = parseScoreFile(words.map((w, i) => `e t${i} 0.5 ${w}`).join("\n")).map((s) => s.target);
  const fromTrials = parseTrials(words.map((w, i) => `e t${i} ${w}`).join("\n")).map((t) => t.target);
  assertEquals(fromScores, [true, true, true, false, false, false, false]);
  assertEquals(fromTrials, fromScores);
});

// ---- CLI: score-metrics ---------------------------------------------------------------------------
Deno.test("cli score-metrics: score file + Kaldi trials -> the oracle's EER/minDCF/Cllr, DET SVG, clear errors", async () => {
  const { commands } = await import("../cli/commands/mod.ts");
  const { parseCommandArgs } = await import("../cli/common.ts");
  const cmd = commands["score-metrics"];
  const s = G.sets.ties_rounded;
  await withTempDir(async (dir) => {
    const score: string[] = [], trials: string[] = [];
    s.tar.forEach((v, i) => {
      score.push(`spk${i} utt${i} ${v}`);
      trials.push(`spk${i} utt${i} target`);
    });
    s.non.forEach((v, i) => {
      score.push(`imp${i} utt${i} ${v}`);
      trials.push(`imp${i} utt${i} nontarget`);
    });
    await Deno.writeTextFile(`${dir}/scores`, score.reverse().join("\n") + "\n"); // order differs from the trials
    await Deno.writeTextFile(`${dir}/trials`, trials.join("\r\n") + "\r\n");
    const argv = [`${dir}/scores`, `${dir}/trials`, "--out", `${dir}/r.json`, "--det-svg", `${dir}/det.svg`];
    await cmd.run(parseCommandArgs("score-metrics", cmd, argv));
    const r = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assertAlmostEquals(r.metrics.eer, s.eer, 1e-12);
    assertAlmostEquals(r.metrics["minDcf@0.01"], s["min_dcf_0.01"], 1e-12);
    assertAlmostEquals(r.metrics.minCllr, s.min_cllr, 1e-9);
    assertEquals(r.counts, { target: s.tar.length, nonTarget: s.non.length });
    assert((await Deno.readTextFile(`${dir}/det.svg`)).includes("<polyline"));
    await Deno.writeTextFile(`${dir}/short`, score.slice(1).join("\n"));
    await assertRejects(
      () => cmd.run(parseCommandArgs("score-metrics", cmd, [`${dir}/short`, `${dir}/trials`])),
      InputError,
      "has no score for trial",
    );
    await Deno.writeTextFile(`${dir}/bad`, "a b c\n");
    await assertRejects(
      () => cmd.run(parseCommandArgs("score-metrics", cmd, [`${dir}/bad`])),
      InputError,
      "bad:1: score 'c'",
    );
  });
});
