import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { Registry } from "../core/registry.ts";
import { loadPluginModule } from "../core/loader.ts";
import { sha256Hex } from "../core/hash.ts";
import { ConfigError, PluginError } from "../core/errors.ts";
import { matrix } from "../core/matrix.ts";
import { cosineScorer } from "../plugins/scorers/cosine.ts";
import type { TrialScorer } from "../core/contracts/mod.ts";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";
import { builtins, registry as globalRegistry } from "../plugins/mod.ts";
import { PLUGIN_KINDS } from "../core/contracts/base.ts";
import type { Tensor } from "../core/autodiff/mod.ts";

const fixture = (f: string) => join(ROOT, "tests", "fixtures", f);

Deno.test("registry: get by name, typo gets a did-you-mean with the available names", () => {
  const r = new Registry();
  r.register(cosineScorer);
  assertEquals(r.get("scorer", "cosine").name, "cosine");
  const e = assertThrows(() => r.get("scorer", "cosin"), ConfigError);
  assert(e.message.includes("unknown scorer 'cosin'; did you mean 'cosine'? available: cosine"), e.message);
  const e2 = assertThrows(() => r.get("clusterer", "finch"), ConfigError);
  assert(e2.message.includes("available: (none)"), e2.message);
});

Deno.test("registry: duplicates refused unless override", () => {
  const r = new Registry();
  r.register(cosineScorer, { source: "built-in" });
  const e = assertThrows(() => r.register(cosineScorer), PluginError);
  assert(e.message.includes("already registered (from built-in)"), e.message);
  r.register({ ...cosineScorer, description: "replacement" }, { override: true });
  assertEquals(r.get("scorer", "cosine").description, "replacement");
});

Deno.test("registry: unknown options and invalid values are explained", async () => {
  const r = new Registry();
  r.register(cosineScorer);
  const e = await assertRejects(() => r.create("scorer", "cosine", { ofset: 1 }), ConfigError);
  assert(e.message.includes("unknown option 'ofset'; did you mean 'offset'?"), e.message);
});

Deno.test("registry: definitions that break the contract are refused with every problem listed", () => {
  const r = new Registry();
  const e = assertThrows(
    () =>
      r.register(
        // deliberately not a plugin definition: the registry must list every way it breaks the contract
        { kind: "scorer", name: "Bad Name", defaults: { a: 1 }, options: {} } as never,
      ),
    PluginError,
  );
  for (
    const s of [
      "'name' must be",
      "'description'",
      "options without help text: a",
      "'validate(config)'",
      "'create(config)'",
    ]
  ) {
    assert(e.message.includes(s), `${s} missing from: ${e.message}`);
  }
});

Deno.test("registry: cosine scorer through the registry matches a hand computation", async () => {
  const r = new Registry();
  r.register(cosineScorer);
  const s = await r.create("scorer", "cosine") as TrialScorer;
  const e = matrix(2, 2, [1, 0, 3, 4]);
  const t = matrix(1, 2, [0, 2]);
  const out = s.score(e, t, { enroll: new Int32Array([0, 1]), test: new Int32Array([0, 0]) });
  assertEquals(Array.from(out).map((v) => +v.toFixed(6)), [0, 0.8]);
});

Deno.test("registry: every built-in plugin registers, validates its defaults, and is listed", () => {
  assert(builtins.length > 0);
  for (const def of builtins) {
    assert(globalRegistry.has(def.kind, def.name), `${def.kind}/${def.name} not registered`);
    def.validate({ ...def.defaults });
  }
  assertEquals(
    globalRegistry.list().map((p) => p.def.kind).filter((k, i, a) => a.indexOf(k) === i),
    PLUGIN_KINDS.filter((k) => builtins.some((b) => b.kind === k)),
  );
});

Deno.test("loader: a user's plugin file loads, validates and scores", async () => {
  const r = new Registry();
  const defs = await loadPluginModule(fixture("my_scorer.ts"), { registry: r });
  assertEquals(defs.map((d) => d.name), ["neg-euclidean"]);
  const s = await r.create("scorer", "neg-euclidean", { scale: 2 }) as TrialScorer;
  const out = s.score(matrix(1, 2, [0, 0]), matrix(1, 2, [3, 4]), {
    enroll: new Int32Array([0]),
    test: new Int32Array([0]),
  });
  assertEquals(out[0], -2.5);
  await assertRejects(() => r.create("scorer", "neg-euclidean", { scale: 0 }), Error, "'scale' must be > 0");
  await assertRejects(
    () => loadPluginModule(fixture("my_scorer.ts"), { registry: r }),
    PluginError,
    "already registered",
  );
  await loadPluginModule(fixture("my_scorer.ts"), { registry: r, override: true });
});

Deno.test("loader: missing file and modules without plugins give clear errors", async () => {
  const r = new Registry();
  await assertRejects(
    () => loadPluginModule("./no/such/plugin.ts", { registry: r }),
    ConfigError,
    "no plugin module at",
  );
  await assertRejects(
    () => loadPluginModule(join(ROOT, "core", "random.ts"), { registry: r }),
    ConfigError,
    "exports no plugin",
  );
});

Deno.test("guards: misbehaving plugins are reported by name, not passed on", async () => {
  const r = new Registry();
  await loadPluginModule(fixture("bad_plugins.ts"), { registry: r });
  const bb = await r.create("backbone", "nan-backbone");
  await assertRejects(
    () => bb.embed([{ id: "u1" }]),
    PluginError,
    "backbone plugin 'nan-backbone': embed() returned malformed output: non-finite value NaN",
  );
  const cl = await r.create("clusterer", "short-clusterer");
  assertThrows(() => cl.cluster(matrix(3, 2)), PluginError, "1 labels for 3 rows");
  const sc = await r.create("scorer", "throwing-scorer") as TrialScorer;
  assertThrows(
    () => sc.score(matrix(1, 1), matrix(1, 1), { enroll: new Int32Array(1), test: new Int32Array(1) }),
    PluginError,
    "scorer plugin 'throwing-scorer': score() failed: boom",
  );
  await assertRejects(
    () => r.create("adapter", "incomplete-adapter"),
    PluginError,
    "'transform()' must be a function",
  );
  const loss = await r.create("loss", "nan-loss");
  assertThrows(
    () => loss.forward({ embeddings: null as unknown as Tensor }),
    PluginError,
    "loss plugin 'nan-loss': forward() returned malformed output: non-finite loss NaN",
  );
  const pc = await r.create("clusterer", "private-clusterer") as unknown as {
    cluster(x: unknown): unknown;
    calls(): number;
  };
  pc.cluster(matrix(2, 1));
  assertEquals(pc.calls(), 1);
});

Deno.test("loader: remote plugins need the flag and a matching sha256 (loopback server)", async () => {
  const src = await Deno.readFile(fixture("my_scorer.ts"));
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    () => new Response(src),
  );
  const url = `http://127.0.0.1:${server.addr.port}/my_scorer.ts`;
  const cacheDir = await Deno.makeTempDir();
  try {
    const r = new Registry();
    await assertRejects(() => loadPluginModule(url, { registry: r }), ConfigError, "--allow-remote-plugin");
    await assertRejects(
      () => loadPluginModule(url, { registry: r, allowRemote: true }),
      ConfigError,
      "needs a pinned --integrity",
    );
    await assertRejects(
      () =>
        loadPluginModule(url, {
          registry: r,
          allowRemote: true,
          integrity: "sha256:" + "0".repeat(64),
          cacheDir,
        }),
      ConfigError,
      "integrity mismatch",
    );
    assert(!r.has("scorer", "neg-euclidean"));
    const hex = await sha256Hex(src);
    const b64 = btoa(String.fromCharCode(...hex.match(/../g)!.map((h) => parseInt(h, 16))));
    await loadPluginModule(url, { registry: r, allowRemote: true, integrity: `sha256-${b64}`, cacheDir });
    assert(r.has("scorer", "neg-euclidean"));
  } finally {
    ac.abort();
    await server.finished;
    await Deno.remove(cacheDir, { recursive: true });
  }
});
