/**
 * Bench: training throughput (samples/s: forward + backward + Adam step) of
 *   1. a 2-layer 512-wide head (512 → 512 → 512) with AAM-Softmax over 1000 classes, batch 128;
 *   2. a small TDNN (3 dilated conv layers of 256 channels, stats pooling, 128-d embedding, AAM over
 *      100 classes) on fbank-shaped input [16, 80, 200],
 *   3. ResNet34 (WeSpeaker layout, width m = 8 by default, `--resnet-m 16`), core/nn/resnet.ts, and
 *   4. ECAPA-TDNN (C = 128 by default, `--ecapa-c 256`), core/nn/ecapa.ts, both + AAM(100) on the same
 *      input (`--no-conv` skips 3 and 4),
 * in embedkit's autodiff and in PyTorch on 1 thread (bench/train_bench.py, Debian's /usr/bin/python3).
 *
 * The machine is shared, and its load swings by 2x within seconds, so the two sides run in
 * alternating rounds (the PyTorch process stays up and runs one round per request, the order flips
 * every round): paired rounds see the same load. Prints, per model, the best round of each side, the
 * ratio of the bests, and the median of the per-round ratios (torch / ours).
 *
 *   deno run --allow-read --allow-run --allow-env bench/train_bench.ts [--small] [--rounds N] [--no-conv]
 *     [--resnet-m 8] [--ecapa-c 128]
 * @module
 */
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { tensor } from "../core/autodiff/mod.ts";
import * as nn from "../core/nn/mod.ts";
import { ResNet } from "../core/nn/resnet.ts";
import { EcapaTdnn } from "../core/nn/ecapa.ts";
import type { Loss } from "../core/contracts/mod.ts";
import { startTorchServer } from "./torch_server.ts";

const small = Deno.args.includes("--small");
const ri = Deno.args.indexOf("--rounds");
const ROUNDS = ri >= 0 ? Number(Deno.args[ri + 1]) : 5;
const HB = 128, HS = small ? 5 : 20, TB = 16, TF = small ? 100 : 200, TS = small ? 2 : 4;
const conv = !Deno.args.includes("--no-conv");
const argNum = (flag: string, def: number) => {
  const i = Deno.args.indexOf(flag);
  return i >= 0 ? Number(Deno.args[i + 1]) : def;
};
const RESNET_M = argNum("--resnet-m", 8), ECAPA_C = argNum("--ecapa-c", 128);

/** One model + loss + Adam on a fixed batch; `round(steps)` times `steps` steps (samples/s). */
function trainer(model: nn.Module, loss: Loss, x: ReturnType<typeof tensor>, y: Int32Array) {
  const opt = new nn.Adam([...model.parameters(), ...loss.parameters()], { lr: 1e-3 });
  const step = () => {
    opt.zeroGrad();
    loss.forward({ embeddings: model.forward(x), labels: y }).backward();
    opt.step();
  };
  for (let i = 0; i < 3; i++) step(); // warm-up (JIT, WASM memory growth, buffer pools)
  return (steps: number) => {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    return (steps * x.shape[0]) / ((performance.now() - t0) / 1000);
  };
}

/** The PyTorch side as a server: one timed round per request. Null when unavailable. */
async function torchServer(): Promise<
  | { version: string; round: (name: string, steps: number) => Promise<number>; close: () => Promise<void> }
  | null
> {
  try {
    const server = startTorchServer("train_bench.py", [HB, TB, TF, RESNET_M, ECAPA_C].map(String), "piped");
    const version = (await server.reply()).ready as string;
    return {
      version,
      round: async (name, steps) => {
        await server.send(`${name} ${steps}`);
        return (await server.reply()).sps as number;
      },
      close: async () => {
        await server.end();
        const err = await new Response(server.child.stderr).text();
        const st = await server.child.status;
        if (!st.success) console.error(err.slice(-500));
      },
    };
  } catch (e) {
    console.error(`anchor unavailable (Debian python3-torch at /usr/bin/python3): ${(e as Error).message}`);
    return null;
  }
}

const rng = new nn.StatefulRng(1);
const randn = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const labels = (n: number, c: number) => Int32Array.from({ length: n }, () => rng.int(c));

const head = new nn.Sequential(
  new nn.Linear(512, 512, { rng }),
  new nn.ReLU(),
  new nn.Linear(512, 512, { rng }),
);
const headLoss = await registry.create("loss", "aam-softmax", { dim: 512, numClasses: 1000 });
const tdnn = new nn.Tdnn({
  inputDim: 80,
  channels: [256, 256, 256],
  kernels: [5, 3, 3],
  dilations: [1, 2, 3],
  embedDim: 128,
  pooling: "stats",
}, rng);
const tdnnLoss = await registry.create("loss", "aam-softmax", { dim: 128, numClasses: 100 });
const torchSide = await torchServer();
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** ROUNDS alternating rounds of both sides: best of each, and the median of the paired ratios. */
async function compare(name: string, ours: (steps: number) => number, steps: number) {
  const o: number[] = [], t: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 1 && torchSide) t.push(await torchSide.round(name, steps));
    o.push(ours(steps));
    await Promise.resolve();
    if (r % 2 === 0 && torchSide) t.push(await torchSide.round(name, steps));
  }
  return {
    ours: Math.max(...o),
    torch: torchSide ? Math.max(...t) : undefined,
    pairs: o.map((v, i) => t[i] / v),
  };
}

const headRes = await compare(
  "head",
  trainer(head, headLoss, tensor(randn(HB * 512), [HB, 512]), labels(HB, 1000)),
  HS,
);
const tdnnRes = await compare(
  "tdnn",
  trainer(tdnn, tdnnLoss, tensor(randn(TB * 80 * TF), [TB, 80, TF]), labels(TB, 100)),
  TS,
);
const fbankBatch = tensor(randn(TB * 80 * TF), [TB, 80, TF]), fbankLabels = labels(TB, 100);
const resnetRes = conv
  ? await compare(
    "resnet",
    trainer(
      new ResNet({ mChannels: RESNET_M }, rng),
      await registry.create("loss", "aam-softmax", { dim: 256, numClasses: 100 }),
      fbankBatch,
      fbankLabels,
    ),
    1,
  )
  : null;
const ecapaRes = conv
  ? await compare(
    "ecapa",
    trainer(
      new EcapaTdnn({ channels: ECAPA_C, mfaChannels: 3 * ECAPA_C }, rng),
      await registry.create("loss", "aam-softmax", { dim: 192, numClasses: 100 }),
      fbankBatch,
      fbankLabels,
    ),
    1,
  )
  : null;
await torchSide?.close();

const r2 = (v: number) => Math.round(v * 100) / 100;
const row = (name: string, res: { ours: number; torch?: number; pairs: number[] }) => ({
  bench: name,
  embedkit_samples_per_s: Math.round(res.ours * 10) / 10,
  torch_1thread_samples_per_s: res.torch ? Math.round(res.torch * 10) / 10 : null,
  ratio_torch_over_ours: res.torch ? r2(res.torch / res.ours) : null,
  median_paired_ratio: res.torch ? r2(median(res.pairs)) : null,
});
const rows = [
  row("head 512x512x2 + AAM(1000), batch 128", headRes),
  row(`TDNN 3x256 on fbank [16,80,${TF}] + AAM(100)`, tdnnRes),
  ...(resnetRes ? [row(`ResNet34 m=${RESNET_M} on fbank [16,80,${TF}] + AAM(100)`, resnetRes)] : []),
  ...(ecapaRes ? [row(`ECAPA-TDNN C=${ECAPA_C} on fbank [16,80,${TF}] + AAM(100)`, ecapaRes)] : []),
];
console.table(rows);
console.log(
  JSON.stringify({
    torch: torchSide?.version ?? null,
    rounds: ROUNDS,
    rows,
    pairedRatios: {
      head: headRes.pairs.map(r2),
      tdnn: tdnnRes.pairs.map(r2),
      ...(resnetRes ? { resnet: resnetRes.pairs.map(r2) } : {}),
      ...(ecapaRes ? { ecapa: ecapaRes.pairs.map(r2) } : {}),
    },
  }),
);
