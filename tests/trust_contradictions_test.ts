/**
 * Issue 17, items 3 and 7: contradictions are refused or counted, never passed on silently. Expected
 * values are worked out by hand in the comments (a separable score set has EER 0; all-zero llrs carry
 * no information, so Cllr = minCllr = 1 exactly, as numpy's and hyperion's tests assert with ==).
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { join } from "node:path";
import { ROOT, withTempDir } from "./helpers.ts";
import { runDeno } from "./cli_process.ts";
import { parseTrials } from "../core/io/kaldi_data.ts";
import { joinScores, parseScoreFile } from "../core/scoring/score_file.ts";
import { parseRttm } from "../core/diarization/rttm.ts";
import { diarizationErrorRate } from "../core/diarization/der.ts";
import { cllr, eerNist, minCllr } from "../core/scoring/metrics.ts";
import { exactMean, neumaierSum } from "../core/scoring/sums.ts";
import { InputError } from "../core/errors.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { Metric } from "../core/contracts/mod.ts";

function cli(args: string[]) {
  return runDeno([
    "run",
    "--allow-read",
    "--allow-write=/tmp",
    "--allow-env",
    join(ROOT, "cli/main.ts"),
    ...args,
  ]);
}

Deno.test("trials: the same pair as target and nontarget is refused with file:line of both", () => {
  const text = "a b target\nc d nontarget\n\na b nontarget\n";
  assertThrows(
    () => parseTrials(text, "my/trials"),
    InputError,
    "my/trials:4: trial 'a b' is nontarget here but target on line 1",
  );
  assertEquals(parseTrials("a b target\na b target\n", "t").length, 2); // a repeat that agrees is not a contradiction
});

Deno.test("score files: a label that contradicts the trial list is refused; missing and extra scores counted", () => {
  const scored = parseScoreFile("a b 0.9 nontarget\nc d 0.1\n", "s");
  assertThrows(
    () => joinScores(scored, parseTrials("a b target\nc d nontarget\n"), { scores: "s", trials: "t" }),
    InputError,
    "s:1: 'a b' is labelled nontarget here but target in t (trial 1)",
  );
  const s2 = parseScoreFile("a b 0.9\nc d 0.1\nx y 0.5\nz w 0.4\n", "s");
  const trials = parseTrials("a b target\nc d nontarget\ne f target\n");
  assertThrows(
    () => joinScores(s2, trials, { scores: "s", trials: "t" }),
    InputError,
    "has no score for trial 3 'e f' of t (1 of 3 trials have none)",
  );
  const j = joinScores(s2, trials, { scores: "s", trials: "t" }, { allowMissing: true });
  assertEquals(j.counts, { trials: 2, missing: 1, extra: 2 });
  assertEquals([...j.labels], [1, 0]);
});

Deno.test("score files: scores stay float64 (float32 would tie 0.1000000001 with 0.1 and move the EER)", () => {
  // targets 0.1000000001, 0.3; non-targets 0.1, 0.05: separable in float64, so the EER is 0
  const scored = parseScoreFile(
    "t1 a 0.1000000001 target\nt2 b 0.3 target\nn1 c 0.1 nontarget\nn2 d 0.05 nontarget\n",
  );
  const j = joinScores(scored, undefined, { scores: "s" });
  assert(j.scores instanceof Float64Array);
  assertEquals(j.scores[0], 0.1000000001);
  const tar = j.scores.filter((_, i) => j.labels[i] === 1),
    non = j.scores.filter((_, i) => j.labels[i] === 0);
  assertEquals(eerNist({ tar, non }).eer, 0);
  assert(Math.fround(0.1000000001) === Math.fround(0.1)); // why float32 was wrong
});

Deno.test("cli score-metrics: missing/extra counted in the JSON with --allow-missing; refused without", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "scores"), "a b 0.9\nc d 0.1\ne f 0.8\nx y 0.3\n");
    await Deno.writeTextFile(
      join(dir, "trials"),
      "a b target\nc d nontarget\ne f target\ng h nontarget\nc b nontarget\n",
    );
    const bad = await cli(["score-metrics", join(dir, "scores"), join(dir, "trials")]);
    assertEquals(bad.code, 1);
    assert(
      bad.stderr.includes("(2 of 5 trials have none)") && bad.stderr.includes("--allow-missing"),
      bad.stderr,
    );
    const ok = await cli(["score-metrics", join(dir, "scores"), join(dir, "trials"), "--allow-missing"]);
    assertEquals(ok.code, 0, ok.stderr);
    const r = JSON.parse(ok.stdout);
    assertEquals(r.counts, { target: 2, nonTarget: 1 });
    assertEquals(r.matching, { missingScores: 2, extraScores: 1 });
    await Deno.writeTextFile(join(dir, "conflict"), "a b target\nc d nontarget\na b nontarget\n");
    const c = await cli(["score-metrics", join(dir, "scores"), join(dir, "conflict")]);
    assertEquals(c.code, 1);
    assert(
      c.stderr.includes(`${join(dir, "conflict")}:3: trial 'a b' is nontarget here but target on line 1`),
      c.stderr,
    );
  });
});

Deno.test("rttm: unknown record types are counted and reported once; SPEAKR is named as a misspelt SPEAKER", () => {
  const warnings: string[] = [];
  const text = [
    "SPEAKER f 1 0.0 1.0 <NA> <NA> A <NA> <NA>",
    "SPEAKR f 1 1.0 1.0 <NA> <NA> B <NA> <NA>",
    "SPKR-INFO f 1 <NA> <NA> <NA> adult_male A <NA> <NA>", // a known type: skipped without a word
    "SPEAKR f 1 2.0 1.0 <NA> <NA> B <NA> <NA>",
    "WORDZ f 1 2.0 1.0 hello <NA> <NA> <NA> <NA>",
  ].join("\n");
  const turns = parseRttm(text, "ref.rttm", { onWarning: (m) => warnings.push(m) });
  assertEquals(turns.length, 1);
  assertEquals(warnings, [
    "warning: ref.rttm: skipped 3 RTTM records of unknown type: SPEAKR x2 (first on line 2), WORDZ x1 (first on line 5); 'SPEAKR' looks like a misspelt SPEAKER: those turns were NOT read",
  ]);
  parseRttm("SPEAKER f 1 0 1 <NA> <NA> A <NA> <NA>\n", "ok.rttm", { onWarning: (m) => warnings.push(m) });
  assertEquals(warnings.length, 1); // nothing to report, nothing said
});

Deno.test("der: an empty reference is an error, not DER 100 %; the CLI says so with exit code 1", async () => {
  const sys = parseRttm("SPEAKER f 1 0 2 <NA> <NA> s1 <NA> <NA>\n");
  assertThrows(() => diarizationErrorRate([], sys), InputError, "has no SPEAKER turns, so DER is undefined");
  const ref = parseRttm("SPEAKER f 1 10 1 <NA> <NA> A <NA> <NA>\n");
  assertThrows(
    () => diarizationErrorRate(ref, sys, { uem: new Map([["f", [[0, 5]]]]) }),
    InputError,
    "no reference speech is left to score",
  );
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "ref.rttm"), "SPEAKR f 1 0 2 <NA> <NA> A <NA> <NA>\n");
    await Deno.writeTextFile(join(dir, "sys.rttm"), "SPEAKER f 1 0 2 <NA> <NA> s1 <NA> <NA>\n");
    const r = await cli(["der", "--ref", join(dir, "ref.rttm"), "--sys", join(dir, "sys.rttm")]);
    assertEquals(r.code, 1);
    assert(r.stderr.includes("'SPEAKR' looks like a misspelt SPEAKER"), r.stderr);
    assert(r.stderr.includes("DER is undefined"), r.stderr);
  });
});

Deno.test("cllr / minCllr of all-zero llrs are exactly 1 (compensated sums), for any split of the trials", async () => {
  const metric = await registry.create("scorer", "cllr", {}) as Metric;
  for (const [nt, nn] of [[50, 50], [47, 53], [1, 99], [10, 90], [99, 1], [33, 67]]) {
    const split = { tar: new Float64Array(nt), non: new Float64Array(nn) };
    assertEquals(cllr(split), 1, `${nt}/${nn}`);
    assertEquals(minCllr(split), 1, `${nt}/${nn}`);
    const labels = Int8Array.from({ length: nt + nn }, (_, i) => (i < nt ? 1 : 0));
    assertEquals(metric.compute({ scores: new Float32Array(nt + nn), labels }), { cllr: 1, minCllr: 1 });
  }
  // the naive running sum is what failed: 100 x ln 2 summed term by term is not 100 ln 2
  let naive = 0;
  for (let i = 0; i < 47; i++) naive += Math.LN2;
  assert(naive / 47 !== Math.LN2);
  assertEquals(exactMean(new Float64Array(47).fill(Math.LN2)), Math.LN2);
  assertEquals(neumaierSum([1e16, 1, -1e16]), 1); // naive: 0
});
