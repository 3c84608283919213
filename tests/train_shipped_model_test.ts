/**
 * The shipped speaker models (issue 16): the zoo name `embedkit-speaker` resolves, in one place
 * (core/zoo/catalog.ts zooModel), to the recommended bundled model, which onnx-speaker loads by that
 * name after checking its sha256; the previous TDNN stays under its own name; the demo's robustness
 * stage reports clean and corrupted EER for the shipped models (its corrupted audio cached under the
 * work dir); and the README's clean/corrupted block renders from bench/corrupted_eer.results.json.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { ZOO, ZOO_ALIASES, zooModel } from "../core/zoo/catalog.ts";
import { bundledPath, installedPath } from "../core/zoo/store.ts";
import { sha256File } from "../core/zoo/download.ts";
import { needsShared, SHARED, withTempDir } from "./helpers.ts";
import { syntheticCorpus } from "../core/data/synthetic.ts";
import { GENERATORS } from "../bench/readme_numbers.ts";

Deno.test("zoo: embedkit-speaker is the recommended shipped model, verified on load; the old TDNN keeps its name", async () => {
  const target = ZOO_ALIASES["embedkit-speaker"];
  const m = zooModel("embedkit-speaker");
  assertEquals(m.name, target);
  assert(m.bundled && !m.bundled.npm, "the recommended speaker model ships with embedkit");
  assertEquals(m.kind, "speaker-embedding");
  assert(!ZOO.some((z) => z.name === "embedkit-speaker"), "an alias, not a second entry");
  assertEquals(zooModel("embedkit-tdnn-librispeech").name, "embedkit-tdnn-librispeech");
  // the bundled files are what the catalog pins, and small
  for (const z of [m, zooModel("embedkit-tdnn-librispeech")]) {
    const p = bundledPath(z)!;
    assertEquals(await sha256File(p), z.bundled!.sha256, p);
    assert((await Deno.stat(p)).size < 8e6, `${p} is a few MB at most`);
  }
  await withTempDir(async (dir) => assertEquals(await installedPath(m, dir), bundledPath(m)));
  // by the alias through the plugin: the file is hashed against the target's pin before it runs
  const bb = await registry.create("backbone", "onnx-speaker", { model: "zoo:embedkit-speaker", ep: "wasm" });
  const u = syntheticCorpus(1, 1, 3)[0];
  const [e] = await bb.embed([{ id: "u", samples: u.samples, sampleRate: 16000 }]);
  const info = (bb as unknown as { info(): Record<string, unknown> }).info();
  await bb.dispose?.();
  assertEquals(info.modelSha256, m.bundled!.sha256);
  assert(e.every(Number.isFinite) && e.length > 0);
  assertThrows(() => zooModel("embedkit-speakr"), Error, "known: ");
});

Deno.test(
  needsShared("demo robustness stage: clean and corrupted EER of the shipped models; corrupted audio cached"),
  async () => {
    const { robustnessCase, shippedSpeakerModels } = await import("../cli/recipes/demo_robustness.ts");
    await withTempDir(async (dir) => {
      const notes: string[] = [];
      const o = { shared: SHARED, work: join(dir, "work"), outDir: dir, seed: 5, quiet: true };
      const r = await robustnessCase(o, notes);
      assert(r, notes.join("\n"));
      assertEquals(r.summary.systems.map((s) => s.label), shippedSpeakerModels().map((m) => m.label));
      assertEquals(r.summary.utterances, 40);
      for (const s of r.summary.systems) {
        assert(s.clean >= 0 && s.clean < 25 && s.corrupted > s.clean, JSON.stringify(s));
      }
      // the corrupted subset is written once and reused (same files, untouched)
      const marker = join(dir, "work", "robustness-data-5", "corrupted", "utt2spk");
      const before = (await Deno.stat(marker)).mtime!.getTime();
      const again = await robustnessCase(o, []);
      assertEquals((await Deno.stat(marker)).mtime!.getTime(), before);
      assertEquals(again!.summary, r.summary);
    });
  },
);

Deno.test("readme: the clean/corrupted table and the demo's robustness block render from their results files", async () => {
  const results = {
    corruption: { seed: 4242 },
    compare: { baseline: "TDNN", shipped: "ECAPA + aug" },
    systems: [
      { label: "TDNN", training: { epochs: 20, augment: "", seed: 1234, cpuMinutes: 17.2 } },
      {
        label: "ECAPA + aug",
        training: { epochs: 20, lmEpochs: 2, augment: "default", seed: 1234, cpuMinutes: 80.4 },
      },
    ],
    rows: [
      { set: "clean", system: "TDNN", "EER %": 6 },
      { set: "mix", system: "TDNN", "EER %": 36 },
      { set: "clean", system: "ECAPA + aug", "EER %": 5.111 },
      { set: "mix", system: "ECAPA + aug", "EER %": 25.2 },
      { set: "noise", system: "ECAPA + aug", "EER %": 30.5 },
    ],
  };
  const t = await GENERATORS["corrupted-eer"].render(results, "bench/corrupted_eer.results.json");
  assert(
    t.includes(
      "| TDNN        | 20        | none         | 1234 | 17 min       | 6.00 % | 36.0 %    | –      |",
    ),
    t,
  );
  assert(
    t.includes(
      "| ECAPA + aug | 20 + 2 LM | default      | 1234 | 80 min       | 5.11 % | 25.2 %    | 30.5 % |",
    ),
    t,
  );
  // relative change by hand: (36 - 25.2) / 36 = 30 %, (6 - 5.111) / 6 = 14.8 %
  assert(
    t.includes(
      "ECAPA + aug vs TDNN: corrupted EER 36.0 % → 25.2 % (−30 % relative), clean 6.00 % → 5.11 % (−15 %).",
    ),
    t,
  );
  const d = await GENERATORS["demo-robustness"].render(
    { robustness: { dataset: "subset", systems: [{ label: "TDNN", clean: 6.6667, corrupted: 36.667 }] } },
    "out/demo/results.json",
  );
  assert(d.includes("| TDNN  | 6.67 % | 36.7 %    |"), d);
});
