/**
 * Plugin options declared once (core/options.ts, core/plugin.ts `definePlugin`), the plain-object form
 * that third-party plugins use, typed registry slots, code hashes of plugin files, and the command-line
 * side of declared options (`parseSpec`, `embedkit plugins`).
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { join } from "node:path";
import { ROOT, withTempDir } from "./helpers.ts";
import { Registry, roleOf } from "../core/registry.ts";
import { definePlugin, opt } from "../core/plugin.ts";
import { allowedText } from "../core/options.ts";
import { loadPluginModule } from "../core/loader.ts";
import { clearCodeHashes } from "../core/code_hash.ts";
import { ConfigError } from "../core/errors.ts";
import { matrix } from "../core/matrix.ts";
import {
  type Clusterer,
  PLUGIN_ROLES,
  type PluginDefinition,
  type TrialScorer,
} from "../core/contracts/mod.ts";
import { builtins, registry } from "../plugins/mod.ts";
import { parseSpec } from "../cli/commands/pipeline_args.ts";
import { pluginsCommand } from "../cli/commands/plugins.ts";
import { UsageError } from "../cli/common.ts";

const fixture = (f: string) => join(ROOT, "tests", "fixtures", f);

/** Two 2-d points 5 apart (a 3-4-5 triangle): every negative-Euclidean scorer must give -5 / scale. */
const ENROLL = matrix(1, 2, [0, 0]), TEST = matrix(1, 2, [3, 4]);
const ONE_TRIAL = { enroll: new Int32Array([0]), test: new Int32Array([0]) };

const declared = definePlugin({
  kind: "clusterer",
  name: "test-declared",
  description: "a clusterer with declared options (test)",
  options: {
    k: opt.integer(8, "clusters to find", { min: 1 }),
    metric: opt.oneOf(["cosine", "euclidean"] as const, "cosine", "distance between rows"),
    threshold: opt.number(null, "stop at this distance (null = unset)", { min: 0, nullable: true }),
  },
  validate(c) {
    if (c.threshold !== null && c.metric === "cosine" && c.threshold > 2) {
      throw new ConfigError(
        "clusterer 'test-declared'",
        `cosine distances are <= 2; 'threshold' ${c.threshold}`,
      );
    }
  },
  create: (c) => ({
    cluster: (x: { rows: number }) => ({
      labels: new Int32Array(x.rows).fill(0),
      numClusters: Math.min(1, c.k),
    }),
  }),
});

Deno.test("definePlugin: defaults, help and validation come from the one declaration", async () => {
  assertEquals(declared.defaults, { k: 8, metric: "cosine", threshold: null });
  assert(declared.options.k.startsWith("clusters to find"), declared.options.k);
  assert(declared.options.k.includes(allowedText(declared.schema!.k)), declared.options.k);
  assert(declared.options.metric.includes("cosine, euclidean"), declared.options.metric);
  const r = new Registry();
  r.register(declared);
  // a bound: the error names the plugin, the option, the allowed range and the value given
  const e = await assertRejects(() => r.create("clusterer", "test-declared", { k: 0 }), ConfigError);
  for (const s of ["clusterer 'test-declared'", "'k'", allowedText(declared.schema!.k), "got 0"]) {
    assert(e.message.includes(s), `'${s}' missing from: ${e.message}`);
  }
  assert(allowedText(declared.schema!.k).includes("1"), allowedText(declared.schema!.k));
  const m = await assertRejects(
    () => r.create("clusterer", "test-declared", { metric: "cosin" }),
    ConfigError,
  );
  assert(m.message.includes("one of cosine, euclidean") && m.message.includes("cosin"), m.message);
  const n = await assertRejects(() => r.create("clusterer", "test-declared", { threshold: -1 }), ConfigError);
  assert(n.message.includes("'threshold'") && n.message.includes("-1"), n.message);
  // an unknown option gets a did-you-mean
  const u = await assertRejects(() => r.create("clusterer", "test-declared", { treshold: 1 }), ConfigError);
  assert(u.message.includes("unknown option 'treshold'; did you mean 'threshold'?"), u.message);
  // the cross-option check still runs after the per-option checks
  const x = await assertRejects(() => r.create("clusterer", "test-declared", { threshold: 3 }), ConfigError);
  assert(x.message.includes("cosine distances are <= 2"), x.message);
  const ok = await r.create("clusterer", "test-declared", { k: 3, metric: "euclidean", threshold: 3 });
  assertEquals((await ok.cluster(matrix(4, 2))).labels.length, 4);
});

Deno.test("plain-object plugins (README form) still register, validate and run through the registry", async () => {
  const r = new Registry();
  const defs = await loadPluginModule(fixture("my_scorer.ts"), { registry: r });
  assertEquals(defs.map((d) => [d.name, d.schema]), [["neg-euclidean", undefined]]);
  const s = await r.create("trial-scorer", "neg-euclidean", { scale: 2 }) as TrialScorer;
  assertEquals(s.score(ENROLL, TEST, ONE_TRIAL)[0], -2.5);
  await assertRejects(() => r.create("scorer", "neg-euclidean", { scale: 0 }), Error, "'scale' must be > 0");
  await assertRejects(
    () => r.create("scorer", "neg-euclidean", { scal: 2 }),
    ConfigError,
    "did you mean 'scale'",
  );
  // an inline plain object of another kind: its own validate() is the only check, and it runs
  const leader: PluginDefinition<"clusterer", { k: number }, Clusterer> = {
    kind: "clusterer",
    name: "plain-one-cluster",
    description: "puts every row in one cluster (test)",
    defaults: { k: 1 },
    options: { k: "clusters (must be 1)" },
    validate(c) {
      if (c.k !== 1) throw new ConfigError("clusterer 'plain-one-cluster'", `'k' must be 1, got ${c.k}`);
    },
    create: () => ({ cluster: (x) => ({ labels: new Int32Array(x.rows), numClusters: 1 }) }),
  };
  r.register(leader);
  await assertRejects(
    () => r.create("clusterer", "plain-one-cluster", { k: 2 }),
    ConfigError,
    "must be 1, got 2",
  );
  const c = await r.create("clusterer", "plain-one-cluster");
  assertEquals(Array.from((await c.cluster(matrix(3, 2))).labels), [0, 0, 0]);
});

Deno.test("the declared-options fixture (my_scorer_declared.ts) loads, validates and scores through the registry", async () => {
  const r = new Registry();
  const [def] = await loadPluginModule(fixture("my_scorer_declared.ts"), { registry: r });
  assertEquals(def.name, "neg-euclidean-declared");
  assertEquals(def.defaults, { scale: 1 });
  assertEquals(r.list("scorer")[0].role, "score");
  const s = await r.create("trial-scorer", "neg-euclidean-declared", { scale: 2 });
  assertEquals(s.score(ENROLL, TEST, ONE_TRIAL)[0], -2.5);
  const e = await assertRejects(
    () => r.create("trial-scorer", "neg-euclidean-declared", { scale: 0 }),
    ConfigError,
  );
  for (const want of ["'scale'", allowedText(def.schema!.scale), "got 0"]) {
    assert(e.message.includes(want), `'${want}' missing from: ${e.message}`);
  }
  await assertRejects(() => r.create("metric", "neg-euclidean-declared"), ConfigError, "role 'score'");
});

Deno.test("every built-in plugin declares its options, a role of its kind and its module", async () => {
  const plain = builtins.filter((d) => !d.schema).map((d) => `${d.kind}/${d.name}`).sort();
  assertEquals(plain, [], "built-ins without declared options");
  for (const def of builtins) {
    const id = `${def.kind}/${def.name}`;
    def.validate({ ...def.defaults }); // its defaults pass its own validate()
    const roles: readonly string[] = PLUGIN_ROLES[def.kind];
    assert(roles.includes(roleOf(def) ?? ""), `${id}: role ${roleOf(def)} is not one of ${roles}`);
    if (def.kind === "scorer") assert(def.role, `${id}: scorers must declare their role`);
    assertEquals(Object.keys(def.defaults), Object.keys(def.schema!), `${id}: defaults follow the schema`);
    for (const [k, d] of Object.entries(def.schema!)) {
      assert(d.help.length > 0, `${id}: option '${k}' has no help`);
      assertEquals((def.defaults as Record<string, unknown>)[k], d.default, `${id}: default of '${k}'`);
    }
    // `module` is the file that defines the plugin (stage caches hash it and its local imports)
    assert(def.module?.startsWith("file:"), `${id}: module ${def.module}`);
    const src = await Deno.readTextFile(new URL(def.module!));
    assert(src.includes(`"${def.name}"`), `${id}: ${def.module} does not define it`);
  }
});

Deno.test("typed slots: a metric is created as a metric; a metric asked for as a trial scorer is refused", async () => {
  const eer = await registry.create("metric", "eer");
  assertEquals(eer.role, "metric");
  // targets {3, 1}, non-targets {2, 0}: Pmiss = Pfa = 1/2 between 1 and 2 (NIST EER 0.5); the ROC convex
  // hull joins (Pfa, Pmiss) = (0, 1/2) and (1/2, 0), where Pmiss = Pfa = 1/4 (ROCCH EER 0.25)
  const r = eer.compute({ scores: new Float32Array([3, 1, 2, 0]), labels: new Int8Array([1, 1, 0, 0]) });
  assertEquals([r.eer, r.eerRocch], [0.5, 0.25]);
  const e = await assertRejects(() => registry.create("trial-scorer", "eer"), ConfigError);
  const scorers = registry.names("trial-scorer");
  assert(scorers.includes("cosine") && !scorers.includes("eer"), scorers.join(", "));
  for (const want of ["'eer'", "role 'metric'", "trial-scorer", scorers.join(", ")]) {
    assert(e.message.includes(want), `'${want}' missing from: ${e.message}`);
  }
});

Deno.test("codeHash follows a plugin file and the local module it imports", async () => {
  await withTempDir(async (dir) => {
    const helper = join(dir, "helper.ts"), plugin = join(dir, "offset_scorer.ts");
    await Deno.writeTextFile(helper, "export const OFFSET = 1;\n");
    await Deno.writeTextFile(
      plugin,
      `import { OFFSET } from "./helper.ts";
export default {
  kind: "scorer",
  role: "score",
  name: "offset-scorer",
  description: "a constant score (test)",
  defaults: {},
  options: {},
  validate() {},
  create: () => ({ role: "score", score: (_e: unknown, _t: unknown, tr: { enroll: Int32Array }) =>
    new Float32Array(tr.enroll.length).fill(OFFSET) }),
};
`,
    );
    const hash = async () => {
      clearCodeHashes();
      const r = new Registry(); // a fresh registry: nothing memoised from the previous load
      await loadPluginModule(plugin, { registry: r });
      return await r.codeHash("trial-scorer", "offset-scorer");
    };
    const h1 = await hash();
    assertEquals(await hash(), h1, "unchanged files hash the same");
    await Deno.writeTextFile(helper, "export const OFFSET = 2;\n");
    const h2 = await hash();
    assert(h2 !== h1, "editing the imported helper must change the hash");
    await Deno.writeTextFile(
      plugin,
      (await Deno.readTextFile(plugin)).replace("a constant score", "a constant"),
    );
    const h3 = await hash();
    assert(h3 !== h2 && h3 !== h1, "editing the plugin file must change the hash");
  });
});

Deno.test("parseSpec parses key=value text by the plugin's declarations and explains bad values", () => {
  assertEquals(parseSpec("min-dcf:pTargets=0.01,0.05,cMiss=2"), {
    name: "min-dcf",
    options: { pTargets: [0.01, 0.05], cMiss: 2 },
  });
  assertEquals(parseSpec("kmeans:metric=cosine,k=3", "clusterer"), {
    name: "kmeans",
    options: { metric: "cosine", k: 3 },
  });
  // a string option keeps text that would parse as JSON; a nullable option takes null
  assertEquals(parseSpec("text:prefix=123").options, { prefix: "123" });
  assertEquals(parseSpec("vbx:Fa=null,ldaDim=64").options, { Fa: null, ldaDim: 64 });
  const bad = assertThrows(() => parseSpec("min-dcf:cMiss=-1"), UsageError);
  const cMiss = registry.get("scorer", "min-dcf").schema!.cMiss;
  for (const want of ["scorer 'min-dcf'", "'cMiss'", allowedText(cMiss), "got '-1'"]) {
    assert(bad.message.includes(want), `'${want}' missing from: ${bad.message}`);
  }
  const list = assertThrows(() => parseSpec("min-dcf:pTargets=0.01,1.5"), UsageError);
  assert(list.message.includes("(0, 1)") && list.message.includes("'0.01,1.5'"), list.message);
  const typo = assertThrows(() => parseSpec("kmeans:kk=3"), UsageError);
  assert(typo.message.includes("has no option 'kk'; did you mean 'k'?"), typo.message);
  // a plain-object or unknown plugin keeps the JSON-or-string rule, and a stray piece is still an error
  assertEquals(parseSpec("no-such-plugin:a=1,b=x").options, { a: 1, b: "x" });
  assertThrows(() => parseSpec("no-such-plugin:a=1,2"), UsageError, "expected key=value, got '2'");
});

Deno.test("embedkit plugins lists each plugin's role and its declared options", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "plugins.json");
    await pluginsCommand.run({ values: { kind: "scorer", json: true, out }, positionals: [] });
    const list = JSON.parse(await Deno.readTextFile(out)) as {
      name: string;
      role?: string;
      options: Record<string, { default: unknown; help: string; type?: string; allowed?: string }>;
    }[];
    const minDcf = list.find((p) => p.name === "min-dcf")!;
    assertEquals(minDcf.role, "metric");
    const decl = registry.get("scorer", "min-dcf").schema!.pTargets;
    assertEquals(minDcf.options.pTargets, {
      default: [0.01, 0.05],
      help: decl.help,
      type: "numbers",
      allowed: allowedText(decl),
    });
    assertEquals(list.find((p) => p.name === "cosine")!.role, "score");
    const text = join(dir, "plugins.txt");
    await pluginsCommand.run({ values: { kind: "loss", out: text }, positionals: [] });
    const lines = (await Deno.readTextFile(text)).split("\n");
    const margin = lines.find((l) => l.includes("--margin=0.2") && l.includes("angular"));
    assert(margin?.includes(allowedText(registry.get("loss", "aam-softmax").schema!.margin)), margin);
    assert(lines.some((l) => /^ {2}aam-softmax +\(loss\)/.test(l)), lines.slice(0, 5).join("\n"));
  });
});
