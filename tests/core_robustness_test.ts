/**
 * Review fixes in core/ and cli/: bad options that used to hang, stale caches of in-memory audio,
 * trials/data-dir parsing through core/io/kaldi_data.ts, NaN embeddings, plugin paths and integrity.
 * Each test failed (or hung) before its fix.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { withTempDir } from "./helpers.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { ConfigError, InputError } from "../core/errors.ts";
import { readKaldiDataDir } from "../core/data/datasets.ts";
import { formatTrials, generateTrials, readTrials } from "../core/data/trials.ts";
import { slidingWindows } from "../core/diarization/segments.ts";
import { verify } from "../core/pipelines/verify.ts";
import { diarize } from "../core/pipelines/diarize.ts";
import { adaptPipeline } from "../core/pipelines/adapt.ts";
import { syntheticConversation, syntheticCorpus } from "../core/data/synthetic.ts";
import { encodeArk } from "../core/io/kaldi_ark.ts";
import { integrityHex, loadPluginModule } from "../core/loader.ts";
import { Registry } from "../core/registry.ts";

/**
 * Same length, different content, but equal at every 7th sample and in the first 64 (what the old cache
 * keys of verify and diarize read).
 */
function perturbed(x: Float32Array): Float32Array {
  return Float32Array.from(x, (v, i) => (i % 7 === 0 || i < 64 ? v : -v * 0.5));
}

Deno.test("slidingWindows and diarize refuse a window step <= 0 instead of looping forever", async () => {
  assertThrows(() => slidingWindows([{ start: 0, end: 10 }], 1.5, 0), RangeError, "step");
  assertThrows(() => slidingWindows([{ start: 0, end: 10 }], 0, 0.75), RangeError, "length");
  const samples = new Float32Array(16000);
  await assertRejects(
    () => diarize({ samples, vad: "none", step: 0, quiet: true }),
    ConfigError,
    "'step' must be a positive number",
  );
});

Deno.test("train and ssl-diarize refuse a batch size of 0 before any work (it looped forever)", async () => {
  const { train } = await import("../core/pipelines/train.ts");
  const { sslDiarize } = await import("../core/pipelines/ssl_diarize.ts");
  const utts = syntheticCorpus(2, 2, 1);
  await assertRejects(() => train({ utterances: utts, batchSize: 0, quiet: true }), ConfigError, "batchSize");
  await assertRejects(() => train({ utterances: utts, epochs: 1.5, quiet: true }), ConfigError, "epochs");
  await assertRejects(
    () =>
      sslDiarize({ input: { samples: new Float32Array(16000), vad: "none" }, numSpeakers: 2, batchSize: 0 }),
    ConfigError,
    "batchSize",
  );
});

Deno.test("generateTrials refuses a negative non-target ratio (it silently dropped trials)", () => {
  const utts = [
    { id: "a1", speaker: "a" },
    { id: "a2", speaker: "a" },
    { id: "b1", speaker: "b" },
    { id: "b2", speaker: "b" },
  ];
  assertThrows(() => generateTrials(utts, { seed: 1, nonTargetRatio: -1 }), ConfigError, "nonTargetRatio");
  assertThrows(() => generateTrials(utts, { seed: 1, nonTargetRatio: NaN }), ConfigError, "nonTargetRatio");
  assertEquals(generateTrials(utts, { seed: 1, nonTargetRatio: 0 }).length, 2, "0 = targets only");
});

Deno.test("trials: unknown labels round-trip through formatTrials/readTrials; a BOM is not part of an id", async () => {
  await withTempDir(async (dir) => {
    const f = join(dir, "trials");
    const list = [{ enroll: "a", test: "b", label: -1 as const }, {
      enroll: "a",
      test: "c",
      label: -1 as const,
    }];
    await Deno.writeTextFile(f, formatTrials(list));
    assertEquals(await readTrials(f), list);
    await Deno.writeTextFile(f, "\uFEFFa b target\n\na c nontarget\n");
    assertEquals((await readTrials(f, new Set(["a", "b", "c"]))).map((t) => t.label), [1, 0]);
    // the unknown-id error still names the file line (blank lines counted)
    await assertRejects(
      () => readTrials(f, new Set(["a", "b"])),
      InputError,
      `${f}:3: unknown utterance 'c'`,
    );
    await assertRejects(() => readTrials(join(dir, "nope")), InputError, "no such file");
  });
});

Deno.test("Kaldi data dir: a missing utt2spk or an empty wav.scp is an InputError naming the file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "wav.scp"), "u1 u1.wav\n");
    const e = await assertRejects(() => readKaldiDataDir(dir), InputError, join(dir, "utt2spk"));
    assert((e as Error).message.includes("<utt> <speaker>"), (e as Error).message);
    await Deno.writeTextFile(join(dir, "wav.scp"), "\n");
    await assertRejects(() => readKaldiDataDir(dir), InputError, "no utterances");
    await Deno.writeTextFile(join(dir, "wav.scp"), "u1 sox x.wav -t wav - |\n");
    await Deno.writeTextFile(join(dir, "utt2spk"), "u1 s1\n");
    await assertRejects(() => readKaldiDataDir(dir), InputError, "piped command");
  });
});

Deno.test("verify: unlabelled trials fail before embedding, naming the trials file", async () => {
  const utts = syntheticCorpus(2, 2, 5);
  await withTempDir(async (dir) => {
    const f = join(dir, "trials");
    await Deno.writeTextFile(f, `${utts[0].id} ${utts[1].id}\n${utts[0].id} ${utts[2].id}\n`);
    await assertRejects(() => verify({ utterances: utts, trials: f, quiet: true }), InputError, f);
  });
});

Deno.test("in-memory audio changed anywhere re-runs the cached stages (verify, adapt, diarize)", async () => {
  await withTempDir(async (dir) => {
    const utts = syntheticCorpus(3, 2, 11);
    const run = (u: typeof utts) => verify({ utterances: u, workDir: join(dir, "v"), seed: 1, quiet: true });
    await run(utts);
    const changed = utts.map((u, i) => (i === 0 ? { ...u, samples: perturbed(u.samples) } : u));
    const again = await run(changed);
    const embed = again.stages.find((s) => s.stage.startsWith("embed-"))!;
    assertEquals(embed.cached, false, "verify reused embeddings of different audio");

    const src = syntheticCorpus(2, 2, 12), tgt = syntheticCorpus(2, 3, 13);
    const adapt = (t: typeof tgt) =>
      adaptPipeline({
        source: { utterances: src },
        target: { utterances: t },
        adapter: "mean-sub",
        workDir: join(dir, "a"),
        quiet: true,
      });
    const a1 = await adapt(tgt);
    const a2 = await adapt(tgt.map((u, i) => (i === 1 ? { ...u, samples: perturbed(u.samples) } : u)));
    assertEquals(a2.stages.find((s) => s.stage === "embed")!.cached, false, "adapt reused stale embeddings");
    assert(a1.before["EER %"] >= 0);

    const conv = syntheticConversation(8, 2);
    const diar = (samples: Float32Array) =>
      diarize({ samples, vad: "none", numSpeakers: 2, workDir: join(dir, "d"), quiet: true });
    await diar(conv.samples);
    const d2 = await diar(perturbed(conv.samples));
    assertEquals(
      d2.stages.find((s) => s.stage === "embed")!.cached,
      false,
      "diarize reused stale embeddings",
    );
  });
});

Deno.test("diarize: a NaN in precomputed embeddings is an InputError naming the ark and the segment", async () => {
  await withTempDir(async (dir) => {
    const ark = join(dir, "x.ark"), seg = join(dir, "x.seg");
    const v = (a: number, b: number) => Float32Array.of(a, b, 1);
    await Deno.writeFile(
      ark,
      encodeArk([{ key: "s1", value: v(1, 0) }, { key: "s2", value: v(NaN, 1) }, {
        key: "s3",
        value: v(0, 1),
      }]),
    );
    await Deno.writeTextFile(seg, "s1 r 0 1.5\ns2 r 0.75 2.25\ns3 r 1.5 3\n");
    await assertRejects(
      () => diarize({ embeddings: { ark, segments: seg }, numSpeakers: 2, quiet: true }),
      InputError,
      `${ark}: 's2' holds a non-finite value`,
    );
  });
});

Deno.test("loader: a plugin path with '%' in it loads; a malformed integrity is a ConfigError", async () => {
  await withTempDir(async (dir) => {
    const src = await Deno.readTextFile(new URL("../plugins/scorers/cosine.ts", import.meta.url));
    const path = join(dir, "my%41plugin.ts");
    // the fixture imports core by relative path: point it at the repository
    const core = new URL("../core/", import.meta.url).href;
    await Deno.writeTextFile(path, src.replaceAll('"../../core/', `"${core}`));
    const reg = new Registry();
    const defs = await loadPluginModule(path, { registry: reg });
    assertEquals(defs.map((d) => d.name), ["cosine"]);
  });
  assertThrows(() => integrityHex("sha256-not*base64"), ConfigError, "not a SHA-256");
  assertThrows(() => integrityHex("sha256-AAAA"), ConfigError, "not a SHA-256");
  assertEquals(integrityHex(`sha256:${"ab".repeat(32)}`), "ab".repeat(32));
});
