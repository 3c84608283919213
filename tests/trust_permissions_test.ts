/**
 * Issue 17, item 1: least privilege. The CLI tasks' flags are read from deno.json and used exactly (a
 * hostile plugin is loaded through them and must not be able to change the checkout); the deny list
 * covers every top-level entry of the repository; env, net and ffi are scoped to what the code reads;
 * remote plugins must be one self-contained module and are recorded in a lock.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { join } from "node:path";
import { ROOT, withTempDir } from "./helpers.ts";
import { ZOO } from "../core/zoo/catalog.ts";
import { loadPluginModule } from "../core/loader.ts";
import { sha256Hex } from "../core/hash.ts";
import { Registry } from "../core/registry.ts";
import { ConfigError } from "../core/errors.ts";
import { checkSelfContained, readPluginLock } from "../core/plugin_integrity.ts";

const TASKS = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks as Record<string, string>;

/** Splits a task line into words (double quotes group, `$INIT_CWD` expanded), dropping `VAR=value` prefixes. */
function taskWords(task: string, initCwd: string): string[] {
  const words = [...task.matchAll(/"([^"]*)"|(\S+)/g)].map((m) =>
    (m[1] ?? m[2]).replaceAll("$INIT_CWD", initCwd)
  );
  while (/^[A-Z_]+=/.test(words[0])) words.shift();
  return words;
}

/** The values of every `--flag=` in a task (Deno merges repeated flags), split on commas. */
function flagList(task: string, flag: string): string[] {
  return taskWords(task, "/caller").filter((x) => x.startsWith(`${flag}=`))
    .flatMap((w) => w.slice(flag.length + 1).split(","));
}

const CLI_TASKS = ["embedkit", "embedkit:native", "demo", "models"];

Deno.test("permissions: a plugin loaded through the embedkit task cannot change the checkout", async () => {
  const words = taskWords(TASKS.embedkit, ROOT); // the common case: run from the checkout itself
  assertEquals(words.slice(0, 2), ["deno", "run"]);
  const before = await Deno.readFile(join(ROOT, "deno.json"));
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...words.slice(1), "plugins", "--kind", "scorer", "--plugin", "./tests/fixtures/evil_writer.ts"],
    cwd: ROOT,
    env: { NO_COLOR: "1", INIT_CWD: ROOT },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  const line = stderr.split("\n").find((l) => l.startsWith("EVIL-PROBE "));
  assert(line, stderr);
  const r = JSON.parse(line.slice("EVIL-PROBE ".length)) as Record<string, string>;
  console.log(r);
  for (
    const k of [
      "deno.json",
      "core/new file",
      "package.json",
      ".git/hooks",
      "node_modules",
      ".cache/models",
      "symlink out/ -> deno.json",
      "all env vars",
      "network",
      "run a program",
    ]
  ) assertEquals(r[k], "refused", `${k}: ${r[k]}`);
  // what it is allowed to do: write its outputs
  assertEquals(r["out/"], "allowed");
  assertEquals(r["/tmp"], "allowed");
  assertEquals(await Deno.readFile(join(ROOT, "deno.json")), before);
  assert(new TextDecoder().decode(out.stdout).includes("evil-probe"));
});

Deno.test("permissions: the deny list covers every top-level entry of the checkout in every CLI task", () => {
  const entries = [...Deno.readDirSync(ROOT)].map((e) => e.name).filter((n) => n !== "out" && n !== ".cache");
  for (const task of [...CLI_TASKS, "test"]) {
    const deny = flagList(TASKS[task], "--deny-write");
    for (const e of [...entries, "deno.json", "deno.lock", ".git", "package.json", "deno.jsonc", ".npmrc"]) {
      assert(deny.includes(e), `task '${task}' lets a plugin write '${e}': add it to --deny-write`);
    }
    const allow = flagList(TASKS[task], "--allow-write");
    assert(
      allow.length > 0 && !allow.includes("."),
      `task '${task}' must scope --allow-write (got ${allow})`,
    );
  }
  // the verified-model cache is written only by the models task (no plugins there)
  for (const task of ["embedkit", "embedkit:native", "demo"]) {
    assert(flagList(TASKS[task], "--deny-write").includes(".cache/models"), task);
  }
});

Deno.test("permissions: env is scoped to the variables the code reads; net to the zoo hosts; ffi to onnxruntime", async () => {
  // every Deno.env.get("NAME") in the shipped code must be granted by the CLI tasks
  const read = new Set<string>();
  for (const dir of ["core", "plugins", "cli"]) {
    for await (const f of walk(join(ROOT, dir))) {
      if (f.endsWith("cli/install.ts")) continue; // the installer has its own task (it reads HOME)
      for (
        const m of (await Deno.readTextFile(f)).matchAll(/(?:Deno\.env\.get|safeEnv)\(\s*"([A-Z_a-z0-9]+)"/g)
      ) {
        read.add(m[1]);
      }
    }
  }
  assert(read.has("EMBEDKIT_MODELS"), [...read].join(","));
  for (const task of CLI_TASKS) {
    const env = flagList(TASKS[task], "--allow-env");
    assert(env.length > 0, `task '${task}' grants every environment variable`);
    for (const v of read) assert(env.includes(v), `task '${task}' does not grant ${v}`);
  }
  const hosts = flagList(TASKS.models, "--allow-net");
  const granted = (h: string) => hosts.some((p) => p === h || (p.startsWith("*.") && h.endsWith(p.slice(1))));
  for (const m of ZOO) for (const s of m.sources) assert(granted(new URL(s.url).hostname), s.url);
  for (const task of ["embedkit", "demo", "embedkit:native"]) {
    assert(!TASKS[task].includes("--allow-net"), `${task} must not grant network access`);
    assert(!TASKS[task].includes("--allow-run"), `${task} must not grant --allow-run`);
    assertEquals(flagList(TASKS[task], "--allow-ffi"), ["node_modules/.deno/onnxruntime-node@1.30.0"]);
  }
});

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

Deno.test("remote plugins: imports the hash would not cover are refused with their line; a lock records the hash", async () => {
  assertEquals(
    checkSelfContained('import { x } from "node:path";\nimport type { T } from "jsr:@a/b";\n', "u").length,
    2,
  );
  const bad: [string, string][] = [
    ['export default {};\nimport { h } from "./helper.ts";\n', "u:2: imports './helper.ts'"],
    ['import x from "https://example.com/x.ts";', "imports 'https://example.com/x.ts'"],
    ['import "npm:left-pad@1.3.0";', "imports 'npm:left-pad@1.3.0'"],
    ["const m = await import(name);", "u:1: import() of a computed specifier"],
    ['export { a } from "../a.ts";', "imports '../a.ts'"],
    ['new Worker(new URL("./w.ts", import.meta.url));', "may not start a Worker"],
  ];
  for (const [src, msg] of bad) {
    try {
      checkSelfContained(src, "u");
      throw new Error(`accepted: ${src}`);
    } catch (e) {
      assert(e instanceof ConfigError && e.message.includes(msg), `${src}: ${(e as Error).message}`);
    }
  }
  // through the loader, over a loopback server: a plugin with a relative import is refused before import
  const good = await Deno.readFile(join(ROOT, "tests/fixtures/my_scorer.ts"));
  const evil = new TextEncoder().encode(
    `import { steal } from "./steal.ts";\n${new TextDecoder().decode(good)}`,
  );
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => new Response(new URL(req.url).pathname === "/evil.ts" ? evil : good),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  await withTempDir(async (cacheDir) => {
    const r = new Registry();
    const integ = async (b: Uint8Array) => `sha256:${await sha256Hex(b)}`;
    await assertRejects(
      async () =>
        await loadPluginModule(`${base}/evil.ts`, {
          registry: r,
          allowRemote: true,
          integrity: await integ(evil),
          cacheDir,
        }),
      ConfigError,
      "evil.ts:1: imports './steal.ts'",
    );
    await loadPluginModule(`${base}/good.ts`, {
      registry: r,
      allowRemote: true,
      integrity: await integ(good),
      cacheDir,
    });
    assert(r.has("scorer", "neg-euclidean"));
    const lock = await readPluginLock(cacheDir);
    assertEquals(Object.keys(lock.plugins), [`${base}/good.ts`]);
    assertEquals(lock.plugins[`${base}/good.ts`].sha256, await sha256Hex(good));
  });
  ac.abort();
  await server.finished;
});
