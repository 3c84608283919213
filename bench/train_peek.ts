/**
 * A look at a training run in progress: exports the weights of a `train` stage's last epoch checkpoint
 * (<work>/<NN-train>.<key>.partial/checkpoint.ekck) through the recipe's export, then measures EER on
 * LibriSpeech test-other (clean, and optionally the corrupted mix of bench/corrupted_eer.ts). Read-only
 * on the run: the checkpoint is copied first.
 *
 *   deno run -A bench/train_peek.ts CHECKPOINT --arch ecapa --width 128 --mel-bins 80 --embed-dim 192
 *     [--channels 256,256,256] [--corrupted] [--shared ../shared/data]
 * @module
 */
import "../plugins/mod.ts";
import { parseArgs } from "node:util";
import { loadCheckpoint } from "../core/nn/checkpoint.ts";
import { buildSpeakerNet, type SpeakerArch } from "../core/nn/speaker_nets.ts";
import { StatefulRng } from "../core/nn/rng.ts";
import { exportTrained } from "../core/pipelines/train_export.ts";
import { openRun } from "../core/pipelines/stages/mod.ts";
import { verify } from "../core/pipelines/verify.ts";
import { amiTalkerFiles, corruptUtterances } from "../core/augment/corrupt.ts";
import { loadDataDir } from "../core/data/datasets.ts";
import { readAudio } from "../core/audio/read.ts";
import { join } from "../core/paths.ts";

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    arch: { type: "string", default: "ecapa" },
    width: { type: "string" },
    "mel-bins": { type: "string", default: "80" },
    "embed-dim": { type: "string", default: "192" },
    channels: { type: "string", default: "256,256,256" },
    corrupted: { type: "boolean", default: false },
    shared: { type: "string", default: new URL("../../shared/data", import.meta.url).pathname },
  },
});
const ck = await loadCheckpoint(positionals[0]);
const n = (a.channels as string).split(",").length;
const cfg = {
  mode: "speaker",
  arch: a.arch as SpeakerArch,
  width: a.width ? Number(a.width) : null,
  numMelBins: Number(a["mel-bins"]),
  embedDim: Number(a["embed-dim"]),
  channels: (a.channels as string).split(",").map(Number),
  kernels: [5, 3, 3].slice(0, n),
  dilations: [1, 2, 3].slice(0, n),
};
const net = buildSpeakerNet(cfg, new StatefulRng(0));
const state = Object.fromEntries(Object.entries(ck.model).filter(([k]) => !k.startsWith("loss.")));
net.loadStateDict(state);
const dir = await Deno.makeTempDir({ prefix: "embedkit-peek-" });
const out = join(dir, "peek.onnx");
await exportTrained(openRun("peek", { quiet: true }), cfg, { state, inputDim: cfg.numMelBins }, out, "peek");
const { utts } = await loadDataDir(join(a.shared!, "librispeech", "test-other"));
const clean = [];
for (const u of utts) {
  clean.push({
    id: u.id,
    speaker: u.speaker,
    samples: (await readAudio(u.path!, { sampleRate: 16000 })).samples,
    sampleRate: 16000,
  });
}
const sets = [["clean", clean]] as [string, typeof clean][];
if (a.corrupted) {
  const c = await corruptUtterances(clean, {
    seed: 4242,
    musicDir: join(a.shared!, "augment", "music"),
    competing: await amiTalkerFiles(join(a.shared!, "ami")),
  });
  sets.push(["mix", c.utterances]);
}
for (const [name, data] of sets) {
  const r = await verify({
    utterances: data,
    backbones: [{ name: "onnx-speaker", options: { model: out } }],
    seed: 1234,
    quiet: true,
  });
  console.log(JSON.stringify({ epoch: ck.meta?.epoch, set: name, eer: r.systems[0].metrics["EER %"] }));
}
await Deno.remove(dir, { recursive: true });
