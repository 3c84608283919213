/**
 * Diarization metrics: RTTM/UEM I/O, Hungarian assignment, DER and JER against dscore / md-eval /
 * VBx / SpeechBrain published numbers, the `der`/`jer` plugins through the registry, and the CLI.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { needsShared, ROOT, shared, withTempDir } from "./helpers.ts";
import { join } from "node:path";
import {
  formatRttm,
  type Interval,
  mergeOverlappingTurns,
  parseRttm,
  parseUem,
  readRttm,
  readUem,
  regionsWithSpeakers,
  subtractIntervals,
  type Turn,
  type Uem,
  writeRttm,
  writeUem,
} from "../core/diarization/rttm.ts";
import { diarizationErrorRate } from "../core/diarization/der.ts";
import { jaccardErrorRate } from "../core/diarization/jer.ts";
import { linearSumAssignment } from "../core/math/hungarian.ts";
import { InputError } from "../core/errors.ts";
import { Rng } from "../core/random.ts";
import { registry } from "../core/registry.ts";
import type { Metric } from "../core/contracts/mod.ts";
import "../plugins/mod.ts";
import { commands } from "../cli/commands/mod.ts";
import { parseCommandArgs } from "../cli/common.ts";

const DSCORE = ["rttm-reference", "dscore", "scorelib", "tests"];
const turn = (speaker: string, onset: number, end: number, file = "f"): Turn => ({
  file,
  channel: "1",
  onset,
  duration: end - onset,
  speaker,
});

// ---------------------------------------------------------------------------------------------
// RTTM / UEM

Deno.test("rttm: non-ASCII ids, CRLF, comments, other record types, blank lines", () => {
  const text = [
    ";; a comment",
    "# another comment",
    "SPKR-INFO trñ00 1 <NA> <NA> <NA> unknown MÉO069 <NA>",
    "",
    "SPEAKER trñ00 1 0.500 1.250 <NA> <NA> MÉO069 <NA> <NA>",
    "SPEAKER trñ00 1 2.000 0.750 <NA> <NA> 說話者 <NA>",
  ].join("\r\n") + "\r\n";
  const turns = parseRttm(text, "x.rttm");
  assertEquals(turns, [
    { file: "trñ00", channel: "1", onset: 0.5, duration: 1.25, speaker: "MÉO069" },
    { file: "trñ00", channel: "1", onset: 2, duration: 0.75, speaker: "說話者" },
  ]);
});

Deno.test("rttm: malformed lines are InputErrors naming file:line and the expected format", () => {
  const e1 = assertThrows(
    () => parseRttm("SPEAKER f 1 0 1 <NA> <NA> a\nSPEAKER f 1 x 1 <NA> <NA> b\n", "bad.rttm"),
    InputError,
  );
  assert(e1.message.startsWith("bad.rttm:2:") && e1.message.includes("onset 'x'"), e1.message);
  const e2 = assertThrows(() => parseRttm("\n\nSPEAKER f 1 0 1\n", "short.rttm"), InputError);
  assert(e2.message.startsWith("short.rttm:3:") && e2.message.includes("at least 8"), e2.message);
  const e3 = assertThrows(() => parseRttm("SPEAKER f 1 0 -1 <NA> <NA> a\n", "neg.rttm"), InputError);
  assert(e3.message.includes("neg.rttm:1") && e3.message.includes("negative"), e3.message);
  const e4 = assertThrows(() => parseRttm("f 1 0 1 spk\n", "notrttm.rttm"), InputError);
  assert(e4.message.includes("notrttm.rttm:1") && e4.message.includes("SPEAKER <file>"), e4.message);
  const e5 = assertThrows(() => parseUem("f 1 3 2\n", "u.uem"), InputError);
  assert(e5.message.startsWith("u.uem:1:"), e5.message);
  const e6 = assertThrows(() => parseUem("f 1 3\n", "u.uem"), InputError);
  assert(e6.message.includes("needs 4"), e6.message);
});

Deno.test("rttm: invalid UTF-8 and missing files are InputErrors naming the file", async () => {
  await withTempDir(async (dir) => {
    const p = join(dir, "latin1.rttm");
    await Deno.writeFile(p, new Uint8Array([0x53, 0x50, 0xe9, 0x0a]));
    await assertRejects(() => readRttm(p), InputError, "UTF-8");
    await assertRejects(() => readRttm(join(dir, "missing.rttm")), InputError, "missing.rttm");
  });
});

Deno.test("rttm/uem: atomic write and read back round trip (non-ASCII, no temp files left)", async () => {
  await withTempDir(async (dir) => {
    const turns = [turn("MÉO069", 0.5, 1.75, "trñ00"), turn("b", 2, 3.125, "trñ00")];
    const p = join(dir, "sub", "out.rttm");
    await writeRttm(p, turns);
    assertEquals(await readRttm(p), turns);
    const uem: Uem = new Map([["trñ00", [[0, 15], [25, 30.4]] as Interval[]]]);
    await writeUem(join(dir, "out.uem"), uem);
    assertEquals(await readUem(join(dir, "out.uem")), uem);
    const names = [...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name);
    assertEquals(names, ["out.rttm"]);
    assertThrows(() => formatRttm([turn("has space", 0, 1)]), InputError, "whitespace");
    const bad = join(dir, "bad.rttm");
    await assertRejects(() => writeRttm(bad, [turn("has space", 0, 1)]), InputError, `${bad}: speaker id`);
    assertThrows(() => Deno.statSync(bad), Deno.errors.NotFound);
  });
});

Deno.test(needsShared("uem: dscore's test_load.uem (comment line, two regions for one file)"), async () => {
  const uem = await readUem(shared(...DSCORE, "test_load.uem"));
  assertEquals([...uem.entries()], [["FILE1", [[0, 15], [25, 30.4]]], ["FILE2", [[4.5, 13.24]]]]);
});

Deno.test("segments: merge overlapping same-speaker turns, overlap regions, interval subtraction", () => {
  const merged = mergeOverlappingTurns([
    turn("a", 0, 2),
    turn("a", 1, 3),
    turn("a", 3, 4),
    turn("b", 0.5, 1),
  ]);
  assertEquals(merged.map((t) => [t.speaker, t.onset, t.onset + t.duration]), [["a", 0, 3], ["b", 0.5, 1], [
    "a",
    3,
    4,
  ]]);
  assertEquals(regionsWithSpeakers([turn("a", 0, 5), turn("b", 3, 8), turn("c", 4, 6), turn("a", 5, 9)], 2), [
    [3, 8],
  ]);
  assertEquals(subtractIntervals([[0, 10], [12, 20]], [[-1, 1], [5, 6], [9, 13]]), [[1, 5], [6, 9], [
    13,
    20,
  ]]);
});

// ---------------------------------------------------------------------------------------------
// Hungarian

function bruteForceMin(c: number[][]): number {
  const n = c.length, m = c[0].length;
  // Best assignment of min(n, m) pairs by enumeration (small sizes only).
  let best = Infinity;
  const used = new Array(m).fill(false);
  const rec = (i: number, acc: number, taken: number) => {
    if (taken === Math.min(n, m) || i === n) {
      if (taken === Math.min(n, m)) best = Math.min(best, acc);
      return;
    }
    if (n - i - 1 >= Math.min(n, m) - taken) rec(i + 1, acc, taken); // leave row i unmatched
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, acc + c[i][j], taken + 1);
      used[j] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

Deno.test("hungarian: scipy docs example and random rectangular matrices vs brute force", () => {
  const ex = linearSumAssignment([4, 1, 3, 2, 0, 5, 3, 2, 2], 3, 3);
  assertEquals([...ex.colInd], [1, 0, 2]); // scipy.optimize.linear_sum_assignment docstring
  assertEquals(ex.cost, 5);
  const rng = new Rng(7);
  for (let trial = 0; trial < 60; trial++) {
    const n = 1 + Math.floor(rng.next() * 5), m = 1 + Math.floor(rng.next() * 5);
    const c = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.floor(rng.next() * 10)));
    const r = linearSumAssignment(c.flat(), n, m);
    assertEquals(r.rowInd.length, Math.min(n, m));
    assertEquals(new Set(r.colInd).size, r.colInd.length);
    assertAlmostEquals(r.cost, bruteForceMin(c), 1e-9, `trial ${trial} ${n}x${m}`);
  }
});

// ---------------------------------------------------------------------------------------------
// DER / JER, hand-computed cases

Deno.test("der: hand-computed confusion with md-eval (+-collar) and pyannote (total width) collars", () => {
  const ref = [turn("A", 0, 10), turn("B", 10, 20)];
  const sys = [turn("x", 0, 12), turn("y", 12, 20)];
  const none = diarizationErrorRate(ref, sys).overall;
  assertAlmostEquals(none.confusion, 2, 1e-12);
  assertAlmostEquals(none.der, 10, 1e-9);
  // md-eval: [-1,1], [9,11], [19,21] removed -> 16 s scored, 1 s confused (11..12).
  const md = diarizationErrorRate(ref, sys, { collar: 1 }).overall;
  assertAlmostEquals(md.total, 16, 1e-12);
  assertAlmostEquals(md.der, 6.25, 1e-9);
  // pyannote: collar 1 = total width, [9.5,10.5] removed -> 18 s scored, 1.5 s confused.
  const py = diarizationErrorRate(ref, sys, { collar: 1, collarConvention: "pyannote" }).overall;
  assertAlmostEquals(py.total, 18, 1e-12);
  assertAlmostEquals(py.der, (100 * 1.5) / 18, 1e-9);
});

Deno.test("der: pyannote.metrics test_diarization.py fixture (DER 0.5161290322580645, mapping a/b/c)", () => {
  const ref = [turn("A", 0, 10), turn("B", 12, 20), turn("A", 24, 27), turn("C", 30, 40)];
  const hyp = [turn("a", 2, 13), turn("d", 13, 14), turn("b", 14, 20), turn("c", 22, 38), turn("d", 38, 40)];
  const f = diarizationErrorRate(ref, hyp, { collarConvention: "pyannote" }).files[0];
  assertAlmostEquals(f.der / 100, 0.5161290322580645, 1e-12);
  assertEquals([f.confusion, f.falseAlarm, f.missed, f.total], [7, 7, 2, 31]);
  assertEquals(f.mapping, { A: "a", B: "b", C: "c" });
});

Deno.test("der: missed / false alarm, skip-overlap, UEM cropping, files without system output", () => {
  const a = diarizationErrorRate([turn("A", 0, 10)], [turn("x", 2, 12)]).overall;
  assertEquals([a.missed, a.falseAlarm, a.confusion, a.total], [2, 2, 0, 10]);
  assertAlmostEquals(a.der, 40, 1e-9);
  const ref = [turn("A", 0, 10), turn("B", 5, 15)], sys = [turn("x", 0, 10), turn("y", 10, 15)];
  const withOv = diarizationErrorRate(ref, sys).overall;
  assertEquals([withOv.missed, withOv.total], [5, 20]);
  assertAlmostEquals(withOv.der, 25, 1e-9);
  const skip = diarizationErrorRate(ref, sys, { skipOverlap: true }).overall;
  assertEquals([skip.der, skip.total], [0, 10]);
  const uem: Uem = new Map([["f", [[0, 4]] as Interval[]], ["g", [[0, 3]] as Interval[]]]);
  const r = diarizationErrorRate([turn("A", 0, 10), turn("C", 1, 2, "g")], [turn("x", 2, 12)], { uem });
  assertEquals(r.files.map((f) => [f.file, f.missed, f.falseAlarm, f.total]), [["f", 2, 0, 4], [
    "g",
    1,
    0,
    1,
  ]]);
  assertAlmostEquals(r.overall.der, 60, 1e-9);
});

/**
 * Independent brute-force DER: 5 ms frames (times on a 10 ms grid, so frame midpoints never sit on a
 * boundary), md-eval semantics, mapping by enumerating every one-to-one speaker map.
 */
function bruteDer(ref: Turn[], sys: Turn[], collar: number, skipOverlap: boolean): number[] {
  const h = 0.005;
  const start = Math.min(...[...ref, ...sys].map((t) => t.onset));
  const end = Math.max(...[...ref, ...sys].map((t) => t.onset + t.duration));
  const rs = [...new Set(ref.map((t) => t.speaker))], ss = [...new Set(sys.map((t) => t.speaker))];
  // Collars sit where a reference speaker starts or stops talking (dscore merges a speaker's
  // overlapping turns before md-eval places collars, so boundaries inside them do not count).
  const bounds: number[] = [];
  for (let i = Math.round(start / 0.01); i <= Math.round(end / 0.01); i++) {
    const b = i * 0.01;
    const talks = (t: number, s: string) =>
      ref.some((u) => u.speaker === s && u.onset <= t && t < u.onset + u.duration);
    if (rs.some((s) => talks(b - h / 2, s) !== talks(b + h / 2, s))) bounds.push(b);
  }
  const frames: { r: number[]; s: number[]; scored: boolean }[] = [];
  for (let t = start + h / 2; t < end; t += h) {
    const on = (list: Turn[], names: string[]) =>
      names.map((_, k) => k).filter((k) =>
        list.some((u) => u.speaker === names[k] && u.onset <= t && t < u.onset + u.duration)
      );
    const r = on(ref, rs), s = on(sys, ss);
    const scored = !bounds.some((b) => Math.abs(t - b) < collar) && !(skipOverlap && r.length >= 2);
    frames.push({ r, s, scored });
  }
  const maps: number[][] = [];
  const rec = (i: number, cur: number[]) => {
    if (i === rs.length) return void maps.push([...cur]);
    for (let s = -1; s < ss.length; s++) if (s < 0 || !cur.includes(s)) rec(i + 1, [...cur, s]);
  };
  rec(0, []);
  const gain = (m: number[]) =>
    frames.reduce((a, f) => a + f.r.filter((r) => m[r] >= 0 && f.s.includes(m[r])).length, 0);
  const best = Math.max(...maps.map(gain));
  return maps.filter((m) => gain(m) === best).map((m) => {
    let tot = 0, err = 0;
    for (const f of frames) {
      if (!f.scored) continue;
      const nr = f.r.length, ns = f.s.length;
      const nmap = f.r.filter((r) => m[r] >= 0 && f.s.includes(m[r])).length;
      tot += nr;
      err += Math.max(nr - ns, 0) + Math.max(ns - nr, 0) + Math.min(nr, ns) - nmap;
    }
    return (100 * err) / tot;
  });
}

Deno.test("der: random cases agree with an independent brute-force frame scorer (collar, skip-overlap)", () => {
  const rng = new Rng(11);
  const randTurns = (names: string[], n: number) =>
    Array.from({ length: n }, () => {
      const a = rng.int(600) / 100, d = (1 + rng.int(300)) / 100;
      return turn(names[rng.int(names.length)], a, a + d);
    });
  for (let trial = 0; trial < 25; trial++) {
    const ref = randTurns(["A", "B", "C"], 2 + rng.int(5)), sys = randTurns(["x", "y", "z"], 2 + rng.int(5));
    const collar = [0, 0.1, 0.25][trial % 3], skipOverlap = trial % 2 === 1;
    const ours = diarizationErrorRate(ref, sys, { collar, skipOverlap }).overall;
    if (ours.total === 0) continue;
    const options = bruteDer(ref, sys, collar, skipOverlap);
    assert(
      options.some((d) => Math.abs(d - ours.der) < 1e-6),
      `trial ${trial}: ${ours.der} not in ${options}`,
    );
  }
});

Deno.test("jer: hand-computed dscore definition (mean over reference speakers, unmapped = 100 %)", () => {
  // A: 0-10 vs x: 0-8 -> 1 - 8/10 = 20 %; B: 10-20 vs y: 8-20 -> 1 - 10/12; C unmapped -> 100 %.
  const ref = [turn("A", 0, 10), turn("B", 10, 20), turn("C", 20, 21)];
  const sys = [turn("x", 0, 8), turn("y", 8, 20)];
  const r = jaccardErrorRate(ref, sys);
  assertAlmostEquals(r.files[0].speakers.A, 20, 1e-9);
  assertAlmostEquals(r.files[0].speakers.B, 100 * (1 - 10 / 12), 1e-9);
  assertEquals(r.files[0].speakers.C, 100);
  assertAlmostEquals(r.overall, (20 + 100 * (1 - 10 / 12) + 100) / 3, 1e-9);
});

Deno.test("jer/der: a file whose only turn has zero length is scored as empty, not a crash", () => {
  const ref = [turn("A", 0, 10, "F1"), turn("B", 5, 5, "F2")];
  const sys = [turn("x", 0, 8, "F1")];
  const r = jaccardErrorRate(ref, sys);
  assertEquals(r.files.map((f) => f.file), ["F1", "F2"]);
  assertAlmostEquals(r.files[0].jer, 20, 1e-9);
  assertEquals(r.files[1].jer, 0);
  assertAlmostEquals(r.overall, 20, 1e-9);
  assertAlmostEquals(diarizationErrorRate(ref, sys).overall.der, 20, 1e-9);
});

// ---------------------------------------------------------------------------------------------
// Oracles from ../shared/data

async function pair(ref: string[], sys: string[]): Promise<[Turn[], Turn[]]> {
  return [await readRttm(shared(...ref)), await readRttm(shared(...sys))];
}

Deno.test(
  needsShared("der/jer: dscore ref.rttm vs sys.rttm, UEM 0-43 s, collar 0, overlap scored"),
  async () => {
    const [ref, sys] = await pair([...DSCORE, "ref.rttm"], [...DSCORE, "sys.rttm"]);
    const uem: Uem = new Map([["FILE1", [[0, 43]] as Interval[]]]);
    assertAlmostEquals(diarizationErrorRate(ref, sys, { uem }).overall.der, 26.39309, 5e-6, "DER");
    assertAlmostEquals(jaccardErrorRate(ref, sys, { uem }).overall, 33.24631, 5e-6, "JER");
    // dscore's own unit test scores DER without a UEM (extent of the turns): same 26.3931.
    assertAlmostEquals(diarizationErrorRate(ref, sys).overall.der, 26.3931, 5e-5);
  },
);

Deno.test(needsShared("der/jer: VBx ES2005a output vs reference, collar 0.25, overlap ignored"), async () => {
  const [ref, sys] = await pair(
    ["vbx-es2005a", "example", "rttm", "ES2005a.rttm"],
    ["vbx-es2005a", "exp", "ES2005a.rttm"],
  );
  const der = diarizationErrorRate(ref, sys, { collar: 0.25, skipOverlap: true }).overall;
  assertAlmostEquals(der.der, 7.06, 0.005, "DER");
  assertAlmostEquals(jaccardErrorRate(ref, sys).overall, 29.99, 0.005, "JER");
  // pyannote convention with twice the collar removes the same zones here.
  const py =
    diarizationErrorRate(ref, sys, { collar: 0.5, skipOverlap: true, collarConvention: "pyannote" }).overall;
  assertAlmostEquals(py.der, der.der, 1e-9);
});

Deno.test(needsShared("der: SpeechBrain ES2014c, collar 0.25, overlap ignored (md-eval)"), async () => {
  const [ref, sys] = await pair(
    ["rttm-reference", "speechbrain-es2014c", "ref_rttm", "ES2014c.rttm"],
    ["rttm-reference", "speechbrain-es2014c", "sys_rttm", "ES2014c.rttm"],
  );
  for (const uemFrom of ["ref", "ref+sys"] as const) {
    const der = diarizationErrorRate(ref, sys, { collar: 0.25, skipOverlap: true, uemFrom }).overall;
    assertAlmostEquals(der.der, 7.169, 0.0005, `DER (${uemFrom})`);
  }
});

Deno.test(needsShared("der/jer plugins through the registry"), async () => {
  const [ref, sys] = await pair(
    ["vbx-es2005a", "example", "rttm", "ES2005a.rttm"],
    ["vbx-es2005a", "exp", "ES2005a.rttm"],
  );
  const der = await registry.create("scorer", "der", { collar: 0.25, skipOverlap: true }) as Metric;
  const out = der.compute({ reference: ref, hypothesis: sys });
  assertAlmostEquals(out.der, 7.06, 0.005);
  assertAlmostEquals(out.missed + out.falseAlarm + out.confusion, (out.der * out.total) / 100, 1e-9);
  const jer = await registry.create("scorer", "jer", {}) as Metric;
  assertAlmostEquals(jer.compute({ reference: ref, hypothesis: sys }).jer, 29.99, 0.005);
  await assertRejects(() => registry.create("scorer", "der", { collar: -1 }), Error, "collar");
  await assertRejects(
    () => registry.create("scorer", "der", { collarConvention: "nist" }),
    Error,
    "collarConvention",
  );
  assertThrows(() => der.compute({ scores: new Float32Array(2) }), Error, "reference");
});

Deno.test(needsShared("cli: embedkit der prints per-file and overall JSON"), async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "der.json");
    const argv = [
      "--ref",
      shared(...DSCORE, "ref.rttm"),
      "--sys",
      shared(...DSCORE, "sys.rttm"),
      "--collar",
      "0",
      "--out",
      out,
    ];
    await commands.der.run(parseCommandArgs("der", commands.der, argv));
    const j = JSON.parse(await Deno.readTextFile(out));
    assertEquals(j.files.length, 1);
    assertEquals(j.files[0].file, "FILE1");
    assertAlmostEquals(j.overall.der, 26.3931, 5e-5);
    assertEquals(j.settings.collarConvention, "md-eval");
    await assertRejects(
      () => commands.der.run(parseCommandArgs("der", commands.der, ["--ref", "x.rttm"])),
      Error,
      "--sys",
    );
  });
  assert(ROOT.length > 0);
});
