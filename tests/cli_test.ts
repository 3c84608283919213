import { assert, assertEquals } from "./assert.ts";
import { commands } from "../cli/commands/mod.ts";
import { helpText, parseCommandArgs } from "../cli/common.ts";
import { join } from "node:path";
import { needsShared, shared } from "./helpers.ts";
import { cliRunArgs, type ProcessRun, runDeno } from "./cli_process.ts";

function embedkit(...args: string[]): Promise<ProcessRun> {
  return runDeno(cliRunArgs(args));
}

Deno.test("cli: every command has --help listing its options", () => {
  for (const [name, cmd] of Object.entries(commands)) {
    const args = parseCommandArgs(name, cmd, ["--help"]);
    assertEquals(args.values.help, true);
    const text = helpText(name, cmd);
    assert(text.startsWith(`embedkit ${name}: `), text);
    for (const opt of Object.keys(cmd.options)) {
      assert(text.includes(`--${opt}`), `${name} help lacks --${opt}`);
    }
  }
});

Deno.test("cli: plugins --plugin lists a user's plugin file; --out is written atomically", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp" });
  try {
    const out = join(dir, "plugins.json");
    const r = await embedkit(
      "plugins",
      "--kind",
      "scorer",
      "--json",
      "--plugin",
      "./tests/fixtures/my_scorer.ts",
      "--out",
      out,
    );
    assertEquals(r.code, 0, r.stderr);
    const list = JSON.parse(await Deno.readTextFile(out)) as {
      name: string;
      source: string;
      options: Record<string, unknown>;
    }[];
    const mine = list.find((p) => p.name === "neg-euclidean");
    assert(mine, "user plugin missing from the list");
    assertEquals(mine.options, {
      scale: { default: 1, help: "distances are divided by this before negating" },
    });
    assert(list.some((p) => p.name === "cosine" && p.source === "built-in"));
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["plugins.json"]); // no temp file left
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: unknown command and unknown flag fail with a pointer to help", async () => {
  const a = await embedkit("no-such-command");
  assertEquals(a.code, 2);
  assert(a.stderr.includes("unknown command 'no-such-command'"), a.stderr);
  const b = await embedkit("plugins", "--no-such-flag");
  assertEquals(b.code, 2); // every usage error exits 2 (issue 17)
  assert(b.stderr.includes("--help"), b.stderr);
});

Deno.test("cli: --ep reaches every ONNX backbone spec that does not set its own", async () => {
  await import("../plugins/mod.ts");
  const { backboneSpecs } = await import("../cli/commands/pipeline_args.ts");
  const args = { values: { ep: "node" }, positionals: [] };
  assertEquals(
    backboneSpecs(args, ["fbank-stats", "onnx-speaker:model=random:xvector-small", "onnx-speaker:ep=wasm"]),
    [
      { name: "fbank-stats" },
      { name: "onnx-speaker", options: { model: "random:xvector-small", ep: "node" } },
      { name: "onnx-speaker", options: { ep: "wasm" } },
    ],
  );
  assertEquals(backboneSpecs({ values: {}, positionals: [] }, "fbank-stats"), [{ name: "fbank-stats" }]);
});

Deno.test(
  needsShared(
    "cli: verify --ep wasm reports the EP that ran; --ep node without --allow-ffi explains the fix",
  ),
  async () => {
    const dir = await Deno.makeTempDir({ dir: "/tmp" });
    try {
      const common = [
        "verify",
        shared("librispeech", "test-other"),
        "--backbone",
        "onnx-speaker:model=random:xvector-small",
        "--max-seconds",
        "1",
        "--work",
        join(dir, "work"),
      ];
      const ok = await embedkit(...common, "--ep", "wasm", "--out", join(dir, "r.json"));
      assertEquals(ok.code, 0, ok.stderr);
      const r = JSON.parse(await Deno.readTextFile(join(dir, "r.json"))) as {
        systems: { info: { ep: string } }[];
      };
      assertEquals(r.systems[0].info.ep, "wasm");
      const bad = await embedkit(...common, "--fresh", "--ep", "node", "--out", join(dir, "n.json"));
      assertEquals(bad.code, 1);
      assert(bad.stderr.includes("--allow-ffi"), bad.stderr);
      await assertRejectsNotFound(join(dir, "n.json"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

async function assertRejectsNotFound(path: string): Promise<void> {
  try {
    await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  throw new Error(`${path} should not exist after a failed run`);
}

Deno.test("cli: a remote plugin without network permission says which --allow-net to add", async () => {
  const r = await embedkit(
    "plugins",
    "--plugin",
    "http://127.0.0.1:8765/p.ts",
    "--allow-remote-plugin",
    "--integrity",
    "sha256:" + "0".repeat(64),
  );
  assertEquals(r.code, 1);
  assert(r.stderr.includes("--allow-net=127.0.0.1:8765"), r.stderr);
});
