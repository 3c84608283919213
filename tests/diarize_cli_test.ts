/**
 * Issue 13 phase 2, "done when", through the real CLI: `deno task embedkit diarize` is spawned with the
 * `embedkit` task's own flags from deno.json (its permissions included) on real AMI recordings.
 * - `diarize AUDIO --reference REF` with no other options exits 0 with the speaker count estimated,
 *   says which recipe ran and why, and reports DER/JER, speech detection and purity/coverage;
 * - errors are in CLI terms (no `request.numClusters`), contradictions are usage errors (exit 2);
 * - `--segmentation oracle` writes overlapping turns where the reference overlaps;
 * - `--online --latency 2` streams and writes the same RTTM output.
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { needsShared, ROOT, shared, withTempDir } from "./helpers.ts";
import { runDeno } from "./cli_process.ts";
import { DIARIZATION_METRICS } from "./diarization_metric_names.ts";
import {
  intersectIntervals,
  readRttm,
  regionsWithSpeakers,
  totalDuration,
} from "../core/diarization/rttm.ts";

const TASKS = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks as Record<string, string>;

/** The `embedkit` task as argv (quotes grouped, $INIT_CWD expanded, `VAR=value` prefixes dropped). */
function taskArgs(initCwd: string): string[] {
  const words = [...TASKS.embedkit.matchAll(/"([^"]*)"|(\S+)/g)].map((m) =>
    (m[1] ?? m[2]).replaceAll("$INIT_CWD", initCwd)
  );
  while (/^[A-Z_]+=/.test(words[0])) words.shift();
  return words.slice(1); // after "deno"
}

function diarize(args: string[], cwd: string) {
  return runDeno([...taskArgs(cwd), "diarize", ...args], {
    env: { INIT_CWD: cwd, ONNXRUNTIME_NODE_INSTALL: "skip" },
  });
}

const AMI = (f: string) => shared("ami", f);

Deno.test(
  needsShared("cli diarize: no options -> speakers estimated, the recipe and why, every figure"),
  async () => {
    await withTempDir(async (dir) => {
      const work = join(dir, "w"), rttm = join(dir, "dev00.rttm");
      const args = [AMI("dev00.wav"), "--reference", AMI("debug.development.rttm"), "--work", work];
      const r = await diarize([...args, "--rttm", rttm], dir);
      assertEquals(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assertEquals(j.pipeline.name, "windows");
      assert(j.pipeline.why.includes("no segmentation model"), j.pipeline.why);
      assert(r.stderr.includes("[diarize] pipeline: windows"), r.stderr);
      const s = j.systems[0];
      assert(s.label.includes("tuned preset"), s.label);
      assert(s.numSpeakers >= 1 && r.stderr.includes("estimated"), r.stderr);
      for (const k of ["DER %", ...DIARIZATION_METRICS]) {
        assert(Number.isFinite(s.metrics[k]), `${k}: ${JSON.stringify(s.metrics)}`);
      }
      // the reference RTTM lists two recordings: only dev00's turns were scored
      assertEquals(new Set((await readRttm(rttm)).map((t) => t.file)), new Set(["dev00"]));
      // a clusterer without a stopping rule: the fix in CLI terms (exit 1), cached stages reused
      const bad = await diarize([...args, "--clusterer", "ahc"], dir);
      assertEquals(bad.code, 1, bad.stderr);
      assert(bad.stderr.includes("--speakers N") && !bad.stderr.includes("request.numClusters"), bad.stderr);
      for (
        const [extra, msg] of [
          [["--speakers", "2", "--max-speakers", "3"], "not both"],
          [["--min-speakers", "3", "--max-speakers", "2"], "must be <= --max-speakers"],
          [["--latency", "2"], "--latency needs --online"],
          [["--online", "--latency", "7"], "--latency must be a number in [0.5, 5] (s)"],
        ] as const
      ) {
        const u = await diarize([...args, ...extra], dir);
        assertEquals(u.code, 2, u.stderr);
        assert(u.stderr.includes(msg), u.stderr);
      }
    });
  },
);

Deno.test(
  needsShared("cli diarize --segmentation oracle: overlapping turns where the reference overlaps"),
  async () => {
    await withTempDir(async (dir) => {
      const rttm = join(dir, "tst00.rttm");
      const r = await diarize([
        AMI("tst00.wav"),
        "--reference",
        AMI("debug.test.rttm"),
        "--segmentation",
        "oracle",
        "--rttm",
        rttm,
        "--work",
        join(dir, "w"),
      ], dir);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(JSON.parse(r.stdout).pipeline.name, "segmentation");
      const hyp = await readRttm(rttm),
        ref = (await readRttm(AMI("debug.test.rttm"))).filter((t) => t.file === "tst00");
      const ro = regionsWithSpeakers(ref, 2), ho = regionsWithSpeakers(hyp, 2);
      const both = totalDuration(intersectIntervals(ro, ho));
      assert(totalDuration(ro) > 10, "tst00 overlaps");
      assert(both / totalDuration(ro) > 0.8, `${both} of ${totalDuration(ro)} s of overlap written`);
    });
  },
);

Deno.test(needsShared("cli diarize --online --latency 2: streamed, same RTTM output"), async () => {
  await withTempDir(async (dir) => {
    const rttm = join(dir, "dev01.rttm");
    const r = await diarize([
      AMI("dev01.wav"),
      "--reference",
      AMI("debug.development.rttm"),
      "--online",
      "--latency",
      "2",
      "--rttm",
      rttm,
    ], dir);
    assertEquals(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assertEquals(j.pipeline.name, "online");
    const s = j.systems[0];
    assert(s.extra.maxDelay <= 2 + 0.5 + 0.1 + 1e-6, JSON.stringify(s.extra));
    assert(Number.isFinite(s.metrics["DER %"]));
    const turns = await readRttm(rttm);
    assert(
      turns.length > 0 &&
        turns.every((t) => t.file === "dev01" && t.onset >= 0 && t.onset + t.duration <= 30.01),
    );
  });
});
