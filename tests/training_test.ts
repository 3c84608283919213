// Trainer loop, checkpoints that resume bit-exactly, early stopping, and a head that learns.
import assert, { deepEqual, rejects } from "#std/assert";
import { join } from "node:path";
import { param, relu, type Tensor, tensor } from "../core/autodiff/mod.ts";
import * as nn from "../core/nn/mod.ts";
import { registry } from "../plugins/mod.ts";
import type { Loss } from "../core/contracts/mod.ts";
import { withTempDir } from "./helpers.ts";

/** 4 Gaussian classes in 8-d, fixed seed. */
function toyData(n = 64, seed = 1) {
  const r = new nn.StatefulRng(seed);
  const x = new Float32Array(n * 8), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 4;
    for (let d = 0; d < 8; d++) x[i * 8 + d] = (d % 4 === y[i] ? 2 : 0) + 0.5 * r.normal();
  }
  return { x, y, n };
}

class Head extends nn.Module {
  readonly l1: nn.Linear;
  readonly drop: nn.Dropout;
  readonly l2: nn.Linear;
  constructor(rng: nn.StatefulRng) {
    super();
    this.l1 = this.addModule("l1", new nn.Linear(8, 16, { rng }));
    this.drop = this.addModule("drop", new nn.Dropout(0.2, rng));
    this.l2 = this.addModule("l2", new nn.Linear(16, 6, { rng }));
  }
  forward(x: Tensor) {
    return this.l2.forward(this.drop.forward(relu(this.l1.forward(x))));
  }
}

async function setup(ckPath?: string, epochs = 4, patience = 0) {
  const rng = new nn.StatefulRng(7);
  const model = new Head(rng);
  const loss: Loss = await registry.create("loss", "aam-softmax", {
    dim: 6,
    numClasses: 4,
    scale: 16,
    margin: 0.1,
    seed: 3,
  });
  const params = [...model.parameters(), ...loss.parameters()];
  const opt = new nn.Adam(params, { lr: 0.01 });
  const data = toyData();
  const shuffle = new nn.StatefulRng(11);
  const trainer = new nn.Trainer(
    { epochs, patience, minDelta: 1e-3, clipNorm: 5, label: "toy", progress: false, checkpointPath: ckPath },
    {
      model,
      optimizer: opt,
      schedule: nn.lrSchedule({ base: 0.01, warmupSteps: 3, decay: "cosine", totalSteps: 40 }),
      rngs: { model: rng, shuffle },
      tensors: Object.fromEntries(loss.parameters().map((t, i) => [`loss.${i}`, t])),
      batches() {
        const idx = shuffle.shuffle(Array.from({ length: data.n }, (_, i) => i));
        return [0, 1, 2, 3].map((b) => idx.slice(b * 16, b * 16 + 16));
      },
      step(batch: number[]) {
        const xb = new Float32Array(batch.length * 8);
        batch.forEach((i, k) => xb.set(data.x.subarray(i * 8, i * 8 + 8), k * 8));
        const labels = Int32Array.from(batch, (i) => data.y[i]);
        return {
          loss: loss.forward({ embeddings: model.forward(tensor(xb, [batch.length, 8])), labels }),
          samples: batch.length,
        };
      },
    },
  );
  return { trainer, model, loss, opt };
}

Deno.test("trainer: loss falls; a checkpoint mid-run resumes bit-exactly (model, Adam state, RNG)", async () => {
  await withTempDir(async (dir) => {
    const full = await setup(undefined, 4);
    const rep = await full.trainer.fit();
    assert(
      rep.history[3].trainLoss < rep.history[0].trainLoss * 0.8,
      `loss ${rep.history.map((h) => h.trainLoss)}`,
    );

    const ck = join(dir, "run.ckpt");
    const first = await setup(ck, 4);
    await first.trainer.fit(2); // stop after 2 epochs (checkpoint written each epoch)
    const second = await setup(undefined, 4);
    await second.trainer.resume(ck);
    await second.trainer.fit();
    const a = full.model.stateDict(), b = second.model.stateDict();
    for (const k of Object.keys(a)) {
      deepEqual(Array.from(b[k].data), Array.from(a[k].data), `param ${k} differs after resume`);
    }
    deepEqual(second.trainer.history.map((h) => h.trainLoss), full.trainer.history.map((h) => h.trainLoss));
  });
});

Deno.test("trainer: early stopping with patience", async () => {
  const s = await setup(undefined, 50, 2);
  s.trainer.parts.validate = () => 1; // never improves after the first epoch
  const rep = await s.trainer.fit();
  assert(rep.stoppedEarly && rep.history.length === 3, `stopped after ${rep.history.length}`);
});

Deno.test("checkpoint: round trip, truncated and foreign files are refused", async () => {
  const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
  const ck: nn.Checkpoint = { model: m.stateDict(), meta: { epoch: 3 } };
  const bytes = nn.encodeCheckpoint(ck);
  const back = nn.decodeCheckpoint(bytes);
  deepEqual(Object.keys(back.model), [
    "0.weight",
    "0.bias",
    "1.weight",
    "1.bias",
    "1.running_mean",
    "1.running_var",
  ]);
  deepEqual(Array.from(back.model["0.weight"].data), Array.from(ck.model["0.weight"].data));
  assert(back.meta?.epoch === 3);
  await withTempDir(async (dir) => {
    const p = join(dir, "x.ckpt");
    await Deno.writeFile(p, bytes.subarray(0, bytes.length - 8));
    await rejects(() => nn.loadCheckpoint(p), /truncated/);
    // before: a cut inside the JSON header gave a bare SyntaxError without the file name
    for (const cut of [7, 20]) {
      await Deno.writeFile(p, bytes.subarray(0, cut));
      await rejects(() => nn.loadCheckpoint(p), (e: Error) => e.message.startsWith(`${p}: truncated`));
    }
    await Deno.writeTextFile(p, "hello");
    await rejects(() => nn.loadCheckpoint(p), /not an embedkit checkpoint/);
  });
  const other = new nn.Sequential(new nn.Linear(3, 4));
  try {
    other.loadStateDict(ck.model);
    assert(false);
  } catch (e) {
    assert(
      /'0.weight' has shape \[2,3\], model expects \[4,3\]/.test((e as Error).message),
      (e as Error).message,
    );
  }
});

Deno.test("state dict carries parameters and buffers for the ONNX writer", () => {
  const td = new nn.Tdnn({
    inputDim: 4,
    channels: [6],
    kernels: [3],
    dilations: [2],
    embedDim: 3,
    pooling: "attentive",
  });
  const sd = td.stateDict();
  deepEqual(sd["conv0.weight"].shape, [6, 4, 3]);
  assert("bn0.running_var" in sd && "pool.att1.weight" in sd && "embed.bias" in sd);
  const p = param(new Float32Array(2), [2]);
  assert(p.requiresGrad);
});
