/**
 * The training recipe's options at full strength (issue 16): ResNet34 / ResNet34-SE / ECAPA trained
 * through the recipe and exported so that onnx-speaker embeds like the trained network; online
 * augmentation through the registry (presets, per-plugin options, sources from the caller only);
 * checkpoint averaging against a hand average; large-margin fine-tuning (starts from the trained
 * weights, raises the margin, reuses the cached main stage); the language terms for multi-language
 * data; and every new option from the CLI. Tiny synthetic runs: seconds each.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { withTempDir, writeKaldiDataDir } from "./helpers.ts";
import { exportedVsTrained } from "./exported_speaker_net.ts";
import { runDeno } from "./cli_process.ts";
import { syntheticCorpus } from "../core/data/synthetic.ts";
import { train } from "../core/pipelines/train.ts";
import { augmenterNames, augmentRecipe } from "../core/augment/presets.ts";
import { languagesOf } from "../core/data/languages.ts";
import { buildSpeakerNet } from "../core/nn/speaker_nets.ts";
import { StatefulRng } from "../core/nn/rng.ts";
import { tensor } from "../core/autodiff/tensor.ts";
import type { StateDict } from "../core/nn/module.ts";
import { SnapshotAverager } from "../core/nn/average.ts";
import { classifierTrainer } from "../core/nn/classifier_trainer.ts";

/** Runs the CLI in a subprocess; returns its exit code, the parsed --out JSON (if any) and stderr. */
async function cli(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "embedkit-cli-" });
  const out = join(dir, "r.json");
  const perms = ["--allow-read", "--allow-write", "--allow-env", "--allow-sys"];
  const r = await runDeno(["run", ...perms, "cli/main.ts", ...args, "--out", out], {
    env: { EMBEDKIT_PROGRESS: "0" },
  });
  const json = await Deno.readTextFile(out).then(JSON.parse, () => ({}));
  await Deno.remove(dir, { recursive: true });
  return { code: r.code, json, stderr: r.stderr };
}

/** Synthetic speakers as a Kaldi data dir of WAV files (babble reads its talkers from files), named `<name>-*`. */
async function dataDir(dir: string, name: string, speakers: number, perSpeaker: number, seed: number) {
  const data = join(dir, name);
  await Deno.mkdir(data);
  const utts = syntheticCorpus(speakers, perSpeaker, seed);
  return await writeKaldiDataDir(
    data,
    utts.map((u) => ({ ...u, id: `${name}-${u.id}`, speaker: `${name}-${u.speaker}` })),
  );
}

/** The tiny settings every run here shares (tests are about the recipe, not about accuracy). */
const TINY = {
  embedDim: 16,
  numMelBins: 24,
  segSeconds: 0.5,
  cropsPerUtt: 2,
  batchSize: 8,
  quiet: true,
  device: "wasm" as const,
};
/** Two 16-channel TDNN layers, kernels 3, dilations 1 and 2. */
const TDNN_16 = { channels: [16, 16], kernels: [3, 3], dilations: [1, 2] };
const TINY_CLI = ["--embed-dim", "16", "--mel-bins", "24", "--seg-seconds", "0.5", "--crops", "2"];
const FAST_REVERB = { reverb: { rooms: 3, rt60: [0.2, 0.3] } };

/** The largest |a - b| over every entry of two state dicts with the same keys. */
function stateDiff(a: StateDict, b: StateDict, only?: (k: string) => boolean): number {
  let d = 0;
  for (const k of Object.keys(a).filter((k) => !only || only(k))) {
    for (let i = 0; i < a[k].data.length; i++) d = Math.max(d, Math.abs(a[k].data[i] - b[k].data[i]));
  }
  return d;
}

Deno.test("train --arch resnet34-se / ecapa: loss falls; the exported ONNX embeds like the trained network", async () => {
  const utts = syntheticCorpus(5, 3, 31);
  await withTempDir(async (dir) => {
    for (const [arch, width] of [["resnet34-se", 4], ["ecapa", 16]] as const) {
      const r = await train({
        utterances: utts,
        ...TINY,
        arch,
        width,
        epochs: 3,
        seed: 4,
        out: join(dir, `${arch}.onnx`),
      });
      assert(r.history[2].trainLoss < r.history[0].trainLoss, `${arch}: ${JSON.stringify(r.history)}`);
      // the trained network rebuilt from its weights vs onnx-speaker running the exported file
      const net = buildSpeakerNet({
        arch,
        width,
        numMelBins: 24,
        embedDim: 16,
        channels: [],
        kernels: [],
        dilations: [],
      }, new StatefulRng(0));
      net.loadStateDict(r.state);
      net.eval();
      const u = { id: "u", samples: utts[0].samples };
      const { err, scale } = await exportedVsTrained(net, r.model, u, { numMelBins: 24, dims: 16 });
      // float32 noise of two runtimes is ~1e-5 relative; a wrong front end, layout or weight is O(1)
      assert(
        err <= 1e-3 * Math.max(1, scale),
        `${arch}: exported vs trained max diff ${err} (scale ${scale})`,
      );
    }
  });
});

Deno.test("augment: presets and lists name registry augmenters; sources come from the caller; bad values say what to give", () => {
  assertEquals(augmenterNames("default"), ["noise", "music", "babble", "reverb", "specaugment"]);
  assertEquals(augmenterNames("noise, reverb,noise"), ["noise", "reverb"]);
  assertEquals(augmenterNames(""), []);
  assertThrows(() => augmenterNames("noise,thunder"), Error, "unknown augmenter 'thunder'");
  assertThrows(() => augmentRecipe("music", { prob: 0.6 }), Error, "--music-dir");
  assertThrows(
    () => augmentRecipe("babble", { prob: 0.6, talkers: [] }),
    Error,
    "files from at least 2 speakers",
  );
  assertThrows(
    () => augmentRecipe("noise", { prob: 0.6, options: { reverb: {} } }),
    Error,
    "not in the augmentation",
  );
  const r = augmentRecipe("noise,reverb,specaugment", { prob: 0.3, options: { reverb: { rooms: 9 } } })!;
  // WeSpeaker's weights: reverberation as likely as the additive kinds together
  assertEquals(r.weights, { noise: 1, reverb: 3 });
  assertEquals([r.prob, r.reverb, r.specaugment], [0.3, { rooms: 9 }, {}]);
});

Deno.test("languages: one per data dir, or the first capture of a regex on utterance ids", () => {
  const u = (id: string, path?: string) => ({ id, speaker: "s", path });
  assertEquals(languagesOf([u("en_US_a/1"), u("es_MX_a/2"), u("en_GB_b/3")], "^([a-z]{2})_", []).names, [
    "en",
    "es",
  ]);
  const l = languagesOf([u("a", "/d/fr/a.wav"), u("b", "/d/de/b.wav")], "data-dir", ["/d/fr", "/d/de"]);
  assertEquals([Array.from(l.ids), l.names], [[1, 0], ["/d/de", "/d/fr"]]);
  assertThrows(() => languagesOf([u("xx")], "^([a-z]{2})_", []), Error, "no language for utterance 'xx'");
  assertThrows(() => languagesOf([u("a")], "(", []), Error, "not a regular expression");
});

Deno.test("average-last k: the model is the mean of the last k epochs' weights; the last epoch's own model is kept beside it", async () => {
  const utts = syntheticCorpus(4, 3, 5);
  await withTempDir(async (dir) => {
    const base = {
      utterances: utts,
      ...TINY,
      ...TDNN_16,
      epochs: 3,
      seed: 8,
    };
    const plain = await train({ ...base, out: join(dir, "plain.onnx") });
    const avg = await train({ ...base, averageLast: 2, out: join(dir, "avg.onnx"), workDir: join(dir, "w") });
    assertEquals(avg.averaged, [2, 3]);
    // averaging does not change training: the last epoch's model embeds exactly as the plain run's
    const embed = async (model: string) => {
      const bb = await registry.create("backbone", "onnx-speaker", { model });
      const [e] = await bb.embed([{ id: "u", samples: utts[0].samples, sampleRate: 16000 }]);
      await bb.dispose?.();
      return Array.from(e);
    };
    assertEquals(await embed(avg.lastEpochModel!), await embed(plain.model));

    assert(stateDiff(avg.state, plain.state) > 1e-4, "the averaged weights differ from the last epoch's");
  });
});

Deno.test("checkpoint averaging equals a hand average of the weights after each of the last k epochs, also across a resume", async () => {
  await withTempDir(async (dir) => {
    /** Item i: a [8, 12] pattern of class i % 3. */
    const batchOf = (b: number[]) =>
      tensor(
        Float32Array.from({ length: b.length * 96 }, (_, j) =>
          Math.sin(b[Math.floor(j / 96)] % 3 + (j % 96) * 0.37) + 0.1 * Math.cos(j)),
        [b.length, 8, 12],
      );
    /** A tiny TDNN trainer over 4 epochs; `seen[e]` gets the weights when epoch e + 1 starts (the test's own record). */
    const make = async (averager: SnapshotAverager, seen: StateDict[]) => {
      const net = buildSpeakerNet(
        {
          arch: "tdnn",
          width: null,
          numMelBins: 8,
          embedDim: 4,
          channels: [6],
          kernels: [3],
          dilations: [1],
        },
        new StatefulRng(1),
      );
      const loss = await registry.create("loss", "aam-softmax", { dim: 4, numClasses: 3, seed: 1 });
      const shuffle = new StatefulRng(2);
      const trainer = classifierTrainer<number[]>({
        model: net,
        loss,
        epochs: 4,
        lr: 0.02,
        warmupSteps: 2,
        minLrFactor: 0.1,
        clipNorm: 5,
        label: "avg",
        rngs: { shuffle },
        averager,
        stepsPerEpoch: 3,
        batches: (e) => {
          if (e > 0) seen[e] = net.stateDict();
          const order = shuffle.shuffle([...Array(24).keys()]);
          return [0, 8, 16].map((s) => order.slice(s, s + 8));
        },
        step: (b) => ({
          loss: loss.forward({
            embeddings: net.forward(batchOf(b)),
            labels: Int32Array.from(b, (i) => i % 3),
          }),
          samples: b.length,
        }),
      });
      return { net, trainer };
    };
    // uninterrupted, snapshots in memory
    const seen: StateDict[] = [], inMemory = new SnapshotAverager(undefined, 4, 3);
    const whole = await make(inMemory, seen);
    await whole.trainer.fit();
    seen[4] = whole.net.stateDict();
    const a = await inMemory.average(seen[4]);
    assertEquals(a.epochs, [2, 3, 4]);
    let worst = 0;
    for (const k of Object.keys(seen[4])) {
      seen[4][k].data.forEach((v, i) => {
        const hand = (seen[2][k].data[i] + seen[3][k].data[i] + v) / 3;
        worst = Math.max(worst, Math.abs(a.state[k].data[i] - hand) / Math.max(1, Math.abs(hand)));
      });
    }
    assert(worst < 1e-6, `averaged vs hand average: ${worst}`);
    assert(stateDiff(a.state, seen[4]) > 1e-4, "the average is not the last epoch's weights");
    // stopped after epoch 2 and resumed from its checkpoint by a fresh trainer, snapshots in files
    const ck = join(dir, "ck.ekck"), files = new SnapshotAverager(join(dir, "snap"), 4, 3);
    const first = await make(files, []);
    first.trainer.cfg.checkpointPath = ck;
    await first.trainer.fit(2);
    const second = await make(files, []);
    await second.trainer.resume(ck);
    await second.trainer.fit();
    const b = await files.average(second.net.stateDict());
    assertEquals(stateDiff(b.state, a.state), 0);
    assertEquals([...Deno.readDirSync(join(dir, "snap"))].map((e) => e.name).sort(), [
      "epoch-2.ekck",
      "epoch-3.ekck",
    ]);
  });
});

Deno.test("large-margin fine-tuning: starts from the trained weights, raises the margin, reuses the cached main stage", async () => {
  const utts = syntheticCorpus(4, 3, 6);
  await withTempDir(async (dir) => {
    const base = {
      utterances: utts,
      ...TINY,
      arch: "ecapa" as const,
      width: 16,
      epochs: 2,
      seed: 9,
      workDir: join(dir, "w"),
      loss: { name: "aam-softmax", options: { margin: 0.2, scale: 30 } },
    };
    const main = await train({ ...base, out: join(dir, "main.onnx") });
    // a learning rate of 1e-9 leaves every weight where the main stage left it (batch-norm statistics still move)
    const still = await train({
      ...base,
      lmEpochs: 1,
      lmLr: 1e-9,
      lmSegSeconds: 1,
      out: join(dir, "lm.onnx"),
    });
    assertEquals(still.stages.find((s) => s.stage === "train")?.cached, true, JSON.stringify(still.stages));
    assertEquals(still.history.length, 3);
    const isWeight = (k: string) => !/running_|num_batches/.test(k);
    assert(
      stateDiff(still.state, main.state, isWeight) < 1e-5,
      `weights moved ${stateDiff(still.state, main.state, isWeight)}`,
    );
    // margin 0.5 vs the main margin 0.2 on the same crops: the fine-tuning loss is larger
    const same = await train({
      ...base,
      lmEpochs: 1,
      lmLr: 1e-9,
      lmSegSeconds: 1,
      lmMargin: 0.2,
      out: join(dir, "lm2.onnx"),
    });
    const [hi, lo] = [still.history[2].trainLoss, same.history[2].trainLoss];
    assert(hi > lo + 1, `fine-tuning loss with margin 0.5 (${hi}) vs 0.2 (${lo})`);
    await assertRejects(
      () => train({ ...base, loss: "softmax", lmEpochs: 1, out: join(dir, "x.onnx") }),
      Error,
      "no margin to raise",
    );
  });
});

Deno.test("train CLI: every new option trains (arch, width, augment + options, speed perturbation, averaging, fine-tuning, language terms)", async () => {
  await withTempDir(async (dir) => {
    const data = await dataDir(dir, "a", 4, 3, 12), other = await dataDir(dir, "b", 4, 3, 13);
    const common = [...TINY_CLI, "--batch-size", "8", "--seed", "3", "--device", "wasm"];
    // ResNet34 with augmentation (every waveform kind but music, SpecAugment), speed perturbation, averaging, LM
    const a = await cli([
      "train",
      data,
      "--arch",
      "resnet34",
      "--width",
      "4",
      "--epochs",
      "2",
      "--speed-perturb",
      "--augment",
      "noise,babble,reverb,specaugment",
      "--augment-prob",
      "0.9",
      "--augment-options",
      JSON.stringify(FAST_REVERB),
      "--average-last",
      "2",
      "--lm-epochs",
      "1",
      "--lm-seg-seconds",
      "0.8",
      "--lm-margin",
      "0.4",
      "--model-out",
      join(dir, "a.onnx"),
      "--work",
      join(dir, "wa"),
      ...common,
    ]);
    assertEquals(a.code, 0, a.stderr);
    const ca = a.json.config as Record<string, unknown>;
    assertEquals([ca.arch, ca.width, ca.speedPerturb, ca.lmEpochs, ca.lmMargin], [
      "resnet34",
      4,
      true,
      1,
      0.4,
    ]);
    assertEquals((ca.augment as { weights: unknown }).weights, { noise: 1, babble: 1, reverb: 3 });
    assertEquals(a.json.speakers, 4);
    assertEquals((a.json.history as unknown[]).length, 3);
    assertEquals(a.json.averaged, [1, 2]);
    // two data dirs as two languages with the invariance MSE and the adversarial classifier (ECAPA)
    const b = await cli([
      "train",
      data,
      other,
      "--arch",
      "ecapa",
      "--width",
      "8",
      "--epochs",
      "1",
      "--language-from",
      "data-dir",
      "--lang-invariant",
      "1",
      "--adversarial",
      "0.5",
      "--model-out",
      join(dir, "b.onnx"),
      ...common,
    ]);
    assertEquals(b.code, 0, b.stderr);
    assertEquals(((b.json.config as Record<string, unknown>).languages as string[]).length, 2);
    assertEquals(b.json.speakers, 8);
    for (const r of [a, b]) {
      assert((r.json.history as { trainLoss: number }[]).every((h) => Number.isFinite(h.trainLoss)));
    }
    // a bad value is a usage error naming the option and what is allowed (exit 2, before any work)
    const bad = await cli(["train", data, "--arch", "resnet50"]);
    assertEquals(bad.code, 2);
    assert(bad.stderr.includes("--arch must be one of tdnn, resnet34, resnet34-se, ecapa"), bad.stderr);
    const prob = await cli(["train", data, "--augment-prob", "1.5"]);
    assert(prob.code === 2 && prob.stderr.includes("--augment-prob must be a number in [0, 1]"), prob.stderr);
    const aug = await cli(["train", data, "--augment", "noise,thunder"]);
    assert(aug.code !== 0 && aug.stderr.includes("unknown augmenter 'thunder'"), aug.stderr);
  });
});

Deno.test("the adversarial language classifier adds its cross-entropy (about ln 2 for two languages) to the loss", async () => {
  await withTempDir(async (dir) => {
    const dirs = [await dataDir(dir, "a", 3, 3, 14), await dataDir(dir, "b", 3, 3, 15)];
    const base = {
      data: dirs,
      ...TINY,
      ...TDNN_16,
      epochs: 1,
      seed: 2,
    };
    const plain = await train({ ...base, out: join(dir, "p.onnx") });
    const adv = await train({
      ...base,
      languageFrom: "data-dir",
      adversarial: 1e-6,
      out: join(dir, "a.onnx"),
    });
    // a near-zero reversal strength leaves the encoder's path as it was: the difference is the classifier's CE
    const d = adv.history[0].trainLoss - plain.history[0].trainLoss;
    assert(d > 0.45 && d < 0.75, `loss difference ${d} (ln 2 = 0.693)`);
    await assertRejects(() => train({ ...base, adversarial: 1 }), Error, "need languageFrom");
  });
});
