/**
 * Smoke training of the new backbones on LibriSpeech train-clean-100 (../shared/data): ResNet34 /
 * ResNet34-SE (core/nn/resnet.ts) or ECAPA-TDNN (core/nn/ecapa.ts) + the registry's `aam-softmax`,
 * online augmentation per crop (core/augment/recipe.ts: noise / music / babble / reverb at prob 0.6,
 * SpecAugment), Adam with warm-up + cosine decay; then ONNX export (core/onnx/export.ts) and
 * optionally EER on clean test-other through onnx-speaker. Prints the loss and seconds per epoch.
 * Not the training pipeline (core/pipelines/train.ts): a check that the pieces train, and timings.
 *
 *   nice -n 10 deno run -A bench/smoke_train.ts --arch resnet --width 8 --epochs 3 [--crops 1]
 *     [--batch 16] [--seconds 2] [--no-aug] [--speed] [--eval] [--out out/smoke/model.onnx] [--seed 1]
 * @module
 */
import "../plugins/mod.ts";
import { parseArgs } from "node:util";
import { registry } from "../core/registry.ts";
import { tensor } from "../core/autodiff/tensor.ts";
import { Adam, clipGradNorm } from "../core/nn/optim.ts";
import { lrSchedule } from "../core/nn/schedule.ts";
import { Rng } from "../core/random.ts";
import { ResNet } from "../core/nn/resnet.ts";
import { EcapaTdnn } from "../core/nn/ecapa.ts";
import { exportEmbedder } from "../core/onnx/export.ts";
import { applyCmn } from "../core/features/cmn.ts";
import { fbank } from "../core/features/fbank.ts";
import { FBANK_PRESETS } from "../core/features/options.ts";
import { readAudio } from "../core/audio/read.ts";
import { loadDataDir } from "../core/data/datasets.ts";
import { join } from "../core/paths.ts";
import { augmentCrop, buildAugmentation, DEFAULT_AUGMENT } from "../core/augment/recipe.ts";
import { speedPerturb } from "../core/augment/speed.ts";
import { verify } from "../core/pipelines/verify.ts";

const { values: a } = parseArgs({
  options: {
    arch: { type: "string", default: "resnet" },
    width: { type: "string", default: "8" },
    epochs: { type: "string", default: "3" },
    crops: { type: "string", default: "1" },
    batch: { type: "string", default: "16" },
    seconds: { type: "string", default: "2" },
    lr: { type: "string", default: "0.002" },
    seed: { type: "string", default: "1" },
    "no-aug": { type: "boolean", default: false },
    speed: { type: "boolean", default: false },
    eval: { type: "boolean", default: false },
    out: { type: "string", default: "out/smoke/model.onnx" },
  },
});
const SHARED = new URL("../../shared/data", import.meta.url).pathname;
const sharedDataDir = () => SHARED;
const arch = a.arch!, width = Number(a.width), epochs = Number(a.epochs), B = Number(a.batch);
const seed = Number(a.seed), frames = Math.round(Number(a.seconds) * 100);
const cropSamples = (frames - 1) * 160 + 400;
const t0 = performance.now();

// data: one utterance per speaker (251), optional 0.9/1.1 speed copies as new speakers
const train = join(sharedDataDir(), "librispeech", "train-clean-100");
const { utts } = await loadDataDir(train);
const speakers = [...new Set(utts.map((u) => u.speaker))].sort();
const factors = a.speed ? [1, 0.9, 1.1] : [1];
const audio: { samples: Float32Array; label: number; speaker: string }[] = [];
for (const u of utts) {
  const s = (await readAudio(u.path!, { sampleRate: 16000 })).samples.subarray(0, 20 * 16000);
  factors.forEach((f, fi) =>
    audio.push({
      samples: f === 1 ? s : speedPerturb(s, f),
      label: speakers.indexOf(u.speaker) + fi * speakers.length,
      speaker: u.speaker,
    })
  );
}
const numClasses = speakers.length * factors.length;
const talkers = utts.map((u) => ({ speaker: u.speaker, path: u.path! }));
const aug = await buildAugmentation(
  (s, n, o) => registry.create(s, n, o),
  a["no-aug"] ? { prob: 0, weights: {}, specaugment: null } : {
    ...DEFAULT_AUGMENT,
    babble: { talkers, maxSeconds: 20 },
    music: { dir: join(SHARED, "augment", "music") },
  },
);
console.error(
  `data: ${audio.length} utterances, ${numClasses} classes, loaded in ${
    ((performance.now() - t0) / 1000).toFixed(1)
  } s`,
);

const rng = new Rng(seed);
const net = arch === "ecapa"
  ? new EcapaTdnn({ channels: width, mfaChannels: 3 * width, embedDim: 192 }, rng)
  : new ResNet({ mChannels: width, se: arch === "resnet-se", embedDim: 256 }, rng);
const loss = await registry.create("loss", "aam-softmax", {
  dim: net.cfg.embedDim,
  numClasses,
  scale: 32,
  margin: 0.2,
  seed,
});
const items: number[] = [];
for (let i = 0; i < audio.length; i++) for (let c = 0; c < Number(a.crops); c++) items.push(i);
const stepsPerEpoch = Math.floor(items.length / B), lr = Number(a.lr);
const opt = new Adam([...net.parameters(), ...loss.parameters()], { lr });
const sched = lrSchedule({
  base: lr,
  warmupSteps: Math.min(stepsPerEpoch, 50),
  decay: "cosine",
  totalSteps: stepsPerEpoch * epochs,
  minLr: lr * 0.05,
});
const fopts = { ...FBANK_PRESETS.wespeaker };
const toFeatures = (x: Float32Array) => applyCmn(fbank(x, fopts));
console.error(
  `${arch} width ${width}: ${net.numParameters()} parameters; ${items.length} crops of ${a.seconds} s per epoch, batch ${B}`,
);
const history: {
  epoch: number;
  loss: number;
  seconds: number;
  cropsPerSecond: number;
  augSeconds: number;
}[] = [];
let step = 0;
for (let ep = 1; ep <= epochs; ep++) {
  const order = rng.shuffle([...items]);
  const te = performance.now();
  let sum = 0, n = 0, augMs = 0;
  for (let s = 0; s + B <= order.length; s += B) {
    const ta = performance.now();
    const x = new Float32Array(B * 80 * frames), y = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const u = audio[order[s + b]];
      const src = u.samples;
      let crop: Float32Array;
      if (src.length >= cropSamples) {
        const st = rng.int(src.length - cropSamples + 1);
        crop = src.slice(st, st + cropSamples);
      } else crop = Float32Array.from({ length: cropSamples }, (_, i) => src[i % src.length]);
      const f = augmentCrop(aug, crop, toFeatures, { rng, sampleRate: 16000, speaker: u.speaker });
      for (let t = 0; t < frames; t++) {
        for (let k = 0; k < 80; k++) x[(b * 80 + k) * frames + t] = f.data[t * 80 + k];
      }
      y[b] = u.label;
    }
    augMs += performance.now() - ta;
    opt.lr = sched(step++);
    opt.zeroGrad();
    const l = loss.forward({ embeddings: net.forward(tensor(x, [B, 80, frames])), labels: y });
    l.backward();
    clipGradNorm(opt.params, 5);
    opt.step();
    sum += l.item();
    n++;
    if (n % 5 === 0) console.error(`  epoch ${ep} step ${n}/${stepsPerEpoch} loss ${(sum / n).toFixed(3)}`);
  }
  const secs = (performance.now() - te) / 1000;
  history.push({
    epoch: ep,
    loss: sum / n,
    seconds: secs,
    cropsPerSecond: (n * B) / secs,
    augSeconds: augMs / 1000,
  });
  console.log(JSON.stringify({ arch, width, ...history[history.length - 1] }));
}
net.eval();
const e = await exportEmbedder(
  net,
  arch === "ecapa" ? { arch: "ecapa", config: (net as EcapaTdnn).cfg } : {
    arch: "resnet",
    config: (net as ResNet).cfg,
  },
  { path: a.out, metadata: { "embedkit.trained": `smoke ${arch} w${width} ${epochs} epochs seed ${seed}` } },
);
console.error(`exported ${a.out} (${e.bytes.length} bytes, ${e.outputDim}-d)`);
let eer: number | null = null;
if (a.eval) {
  const r = await verify({
    data: join(sharedDataDir(), "librispeech", "test-other"),
    backbones: [{ name: "onnx-speaker", options: { model: a.out } }],
    quiet: true,
  });
  eer = r.systems[0].metrics["EER %"];
}
console.log(JSON.stringify({
  arch,
  width,
  parameters: net.numParameters(),
  epochs,
  cropsPerEpoch: items.length,
  history,
  testOtherEer: eer,
  totalSeconds: (performance.now() - t0) / 1000,
}));
