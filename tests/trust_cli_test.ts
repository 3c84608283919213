/**
 * Issue 17, item 3 (command line): every numeric option is checked with its name, range and the value
 * given; unknown options get a did-you-mean; exit code 2 for every usage error and 1 for runtime errors;
 * relative paths resolve from the caller's folder (INIT_CWD under `deno task`); the installed CLI works
 * from another folder. The expected messages and codes are written out here, not taken from the code.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { join } from "node:path";
import { ROOT, withTempDir } from "./helpers.ts";
import { runDeno } from "./cli_process.ts";
import {
  CHOICE_OPTIONS,
  NUMBER_OPTIONS,
  parseArgv,
  PATH_OPTIONS,
  PATH_POSITIONALS,
  UsageError,
} from "../cli/args.ts";
import type { OptionSpec } from "../cli/args.ts";

const OPTS: Record<string, OptionSpec> = {
  "sample-rate": { type: "string", help: "Hz", default: "16000" },
  "max-seconds": { type: "string", help: "s" },
  seed: { type: "string", help: "seed", default: "1234" },
  "p-target": { type: "string", help: "priors", default: "0.01,0.05" },
  "collar-convention": { type: "string", help: "", default: "md-eval" },
  out: { type: "string", help: "" },
  fresh: { type: "boolean", help: "" },
  ref: { type: "string", multiple: true, help: "" },
  help: { type: "boolean", short: "h", help: "" },
};

function usageMessage(argv: string[]): string {
  try {
    parseArgv("verify", OPTS, argv);
  } catch (e) {
    assert(e instanceof UsageError, `expected a UsageError, got ${e}`);
    return e.message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

Deno.test("cli args: numeric options name the option, the allowed range and the value given", () => {
  // argv -> the first line of the usage error
  const cases: [string[], string][] = [
    [["--sample-rate", "0"], "--sample-rate must be an integer in [1000, 384000] (Hz), got '0'"],
    [["--max-seconds", "-1"], "--max-seconds must be a number > 0 (s), got '-1'"],
    [["--max-seconds=abc"], "--max-seconds must be a number > 0 (s), got 'abc'"],
    [["--seed", "1.5"], "--seed must be an integer in [0, 4294967295], got '1.5'"],
    [
      ["--p-target", "0.01,1"],
      "--p-target must be comma-separated list of a number > 0 and < 1, got '0.01,1' (item '1')",
    ],
  ];
  for (const [argv, first] of cases) assertEquals(usageMessage(argv).split("\n")[0], first);
  for (const bad of ["", " ", "0x10", "1e", "Infinity", "NaN", "--"]) usageMessage([`--max-seconds=${bad}`]);
  assert(usageMessage(["--sample-rate", "0"]).includes("run 'embedkit verify --help'"));
  // accepted values come through as given
  const ok = parseArgv("verify", OPTS, [
    "--sample-rate",
    "8000",
    "--max-seconds",
    "2.5e0",
    "--p-target",
    "0.5",
  ]);
  assertEquals([ok.values["sample-rate"], ok.values["max-seconds"], ok.values.seed], [
    "8000",
    "2.5e0",
    "1234",
  ]);
});

Deno.test("cli args: unknown options and choices get a did-you-mean; flags take no value; values are required", () => {
  assertEquals(
    usageMessage(["--max-second", "3"]).split("\n")[0],
    "unknown option '--max-second'; did you mean '--max-seconds'?",
  );
  assertEquals(usageMessage(["--zzzzzz"]).split("\n")[0], "unknown option '--zzzzzz'");
  assertEquals(usageMessage(["-x"]).split("\n")[0], "unknown option '-x'");
  assertEquals(
    usageMessage(["--collar-convention", "pyanote"]).split("\n")[0],
    "--collar-convention must be one of md-eval, pyannote, got 'pyanote'; did you mean 'pyannote'?",
  );
  assertEquals(
    usageMessage(["--fresh=1"]).split("\n")[0],
    "--fresh is a flag and takes no value (got '--fresh=1')",
  );
  assertEquals(usageMessage(["--out"]).split("\n")[0], "--out needs a value");
  assert(usageMessage(["--out", "--fresh"]).startsWith("--out needs a value (got option '--fresh'"));
  const r = parseArgv("verify", OPTS, ["a", "--ref", "x", "--ref=y", "-h", "--", "--not-an-option"]);
  assertEquals(r.values.ref, ["x", "y"]);
  assertEquals(r.values.help, true);
  assertEquals(r.positionals, ["a", "--not-an-option"]);
});

Deno.test("cli args: every numeric option of every command has bounds; path options are known", async () => {
  const { commands } = await import("../cli/commands/mod.ts");
  const { COMMON_OPTIONS } = await import("../cli/common.ts");
  // a new command decides whether its positionals are paths (resolved from INIT_CWD) or names
  const namePositionals = ["models", "plugins", "speakers", "demo", "der"];
  for (const name of Object.keys(commands)) {
    assert(
      PATH_POSITIONALS.has(name) || namePositionals.includes(name),
      `${name}: add it to PATH_POSITIONALS?`,
    );
  }
  const numeric = /^[+-]?[\d.]+(e[+-]?\d+)?(,[+-]?[\d.]+)*$/i;
  const knownNumeric = ["seed", "speakers", "max-seconds", "sample-rate", "k-shot", "dims"];
  for (const [name, cmd] of Object.entries(commands)) {
    for (const [k, o] of Object.entries({ ...cmd.options, ...COMMON_OPTIONS })) {
      const looksNumeric = typeof o.default === "string" && numeric.test(o.default);
      if (looksNumeric || knownNumeric.includes(k)) {
        assert(o.number ?? NUMBER_OPTIONS[k], `${name} --${k} (default ${o.default}) has no numeric bounds`);
      }
      const pathLike = /\b(file|folder|dir)\b/i.test(o.help) && !/spec|\bid\b/.test(o.help);
      if (pathLike && o.type === "string" && !o.number && !(o.choices ?? CHOICE_OPTIONS[k])) {
        assert(
          o.path ?? PATH_OPTIONS.has(k),
          `${name} --${k} looks like a path option: add it to PATH_OPTIONS`,
        );
      }
    }
  }
});

function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const perms = ["--allow-read", "--allow-write=/tmp", "--allow-env", "--allow-sys"];
  return runDeno(["run", ...perms, join(ROOT, "cli/main.ts"), ...args], opts);
}

Deno.test("cli: exit code 2 for every usage error, 1 for a runtime error", async () => {
  const cases: [string[], number, string][] = [
    [["no-such-command"], 2, "unknown command 'no-such-command'"],
    [["verfy"], 2, "did you mean 'verify'?"],
    [["plugins", "--no-such-flag"], 2, "unknown option '--no-such-flag'"],
    [["score-metrics", "--p-targt", "0.1"], 2, "did you mean '--p-target'?"],
    [
      ["verify", "x", "--sample-rate", "0"],
      2,
      "--sample-rate must be an integer in [1000, 384000] (Hz), got '0'",
    ],
    [["train", "x", "--max-seconds", "-1"], 2, "--max-seconds must be a number > 0 (s), got '-1'"],
    [["score-metrics"], 2, "give a score file"],
    [["models", "pull"], 2, "models pull NAME"],
    [["models", "list", "--plugin", "./tests/fixtures/my_scorer.ts"], 2, "does not load --plugin"],
    [["score-metrics", "/nonexistent/scores"], 1, "/nonexistent/scores"],
  ];
  for (const [argv, code, text] of cases) {
    const r = await cli(argv);
    assertEquals(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
    assert(r.stderr.includes(text), `${argv.join(" ")}: ${r.stderr}`);
  }
});

/** A tiny score file + trials (EER 50 %: one target below one non-target). */
async function writeScores(dir: string): Promise<void> {
  await Deno.writeTextFile(join(dir, "scores"), "a b 0.2\na c 0.9\nd e 0.4\nd f 0.1\n");
  await Deno.writeTextFile(join(dir, "trials"), "a b target\na c nontarget\nd e target\nd f nontarget\n");
}

Deno.test("cli: relative paths resolve from INIT_CWD (the folder `deno task` was started from)", async () => {
  await withTempDir(async (dir) => {
    await writeScores(dir);
    // run in the project folder, as deno task does, with INIT_CWD = the caller's folder
    const r = await cli(["score-metrics", "scores", "trials", "--out", "r.json"], { env: { INIT_CWD: dir } });
    assertEquals(r.code, 0, r.stderr);
    const j = JSON.parse(await Deno.readTextFile(join(dir, "r.json")));
    assertEquals(j.scores, join(dir, "scores"));
    assertEquals(j.counts, { target: 2, nonTarget: 2 });
  });
});

/**
 * The environment of a user's shell outside this project: this test process's own, less INIT_CWD (set
 * when the suite itself runs under `deno task test`; an inner `deno task` keeps an INIT_CWD it inherits,
 * so relative paths would resolve against the checkout instead of the caller's folder).
 */
function outsideEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return { ...env, NO_COLOR: "1", ...extra };
}

Deno.test("cli: `deno task --config` from another folder and the installed CLI both work there", async () => {
  await withTempDir(async (dir) => {
    await writeScores(dir);
    const viaTask = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "-q",
        "--config",
        join(ROOT, "deno.json"),
        "embedkit",
        "score-metrics",
        "scores",
        "trials",
        "--out",
        "t.json",
      ],
      cwd: dir,
      env: outsideEnv(),
      clearEnv: true,
    }).output();
    assertEquals(viaTask.code, 0, new TextDecoder().decode(viaTask.stderr));
    assertEquals(JSON.parse(await Deno.readTextFile(join(dir, "t.json"))).counts.target, 2);

    const root = join(dir, "install-root");
    const perms = ["--allow-read", "--allow-env", "--allow-run"];
    const inst = await runDeno(["run", ...perms, join(ROOT, "cli/install.ts"), "--root", root]);
    assertEquals(inst.code, 0, inst.stderr);
    const work = join(dir, "elsewhere");
    await Deno.mkdir(work);
    await writeScores(work);
    const run = await new Deno.Command(join(root, "bin", "embedkit"), {
      args: ["score-metrics", "scores", "trials", "--out", "i.json"],
      cwd: work,
      env: outsideEnv({ PATH: `${join(Deno.execPath(), "..")}:${Deno.env.get("PATH") ?? ""}` }),
      clearEnv: true,
    }).output();
    assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
    assertEquals(JSON.parse(await Deno.readTextFile(join(work, "i.json"))).counts.nonTarget, 2);
    // the installed CLI cannot write into the checkout either
    const bad = await new Deno.Command(join(root, "bin", "embedkit"), {
      args: ["score-metrics", "scores", "trials", "--out", join(ROOT, "deno.json")],
      cwd: work,
      env: outsideEnv({ PATH: `${join(Deno.execPath(), "..")}:${Deno.env.get("PATH") ?? ""}` }),
      clearEnv: true,
    }).output();
    assertEquals(bad.code, 1);
    const msg = new TextDecoder().decode(bad.stderr);
    assert(msg.includes("Requires write access") && msg.includes("never into the checkout's own files"), msg);
  });
});

Deno.test("cli args: a missing value is not taken from the next option, negative numbers are values", () => {
  assertThrows(() => parseArgv("x", OPTS, ["--seed"]), UsageError, "--seed needs a value");
  assertThrows(() => parseArgv("x", OPTS, ["--seed", "-3"]), UsageError, "got '-3'");
});
