// ResNet / ResNet-SE / ECAPA-TDNN on core/autodiff: finite-difference checks of the new ops, a naive
// conv2d oracle, PyTorch parity (tests/golden/gen_resnet_ecapa.py: same weights and batch -> loss and
// every gradient), and ONNX export through the random-weight builders against the eval-mode forward.
import assert from "#std/assert";
import * as ad from "../core/autodiff/mod.ts";
import { gradCheck, param, type Tensor, tensor } from "../core/autodiff/mod.ts";
import { conv2d } from "../core/autodiff/conv2d.ts";
import {
  batchNormNd,
  channelMean,
  channelScale,
  expandLast,
  meanStdPool,
} from "../core/autodiff/channel_ops.ts";
import { StatefulRng } from "../core/nn/rng.ts";
import { ResNet } from "../core/nn/resnet.ts";
import { type EcapaConfig, EcapaTdnn } from "../core/nn/ecapa.ts";
import type { Module } from "../core/nn/module.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { golden, withTempDir } from "./helpers.ts";
import { type EmbedderExport, exportEmbedder } from "../core/onnx/export.ts";
import { loadOnnx } from "../core/onnx/runtime.ts";
import { applyCmn } from "../core/features/cmn.ts";
import { fbank } from "../core/features/fbank.ts";
import { FBANK_PRESETS } from "../core/features/options.ts";

function rand(shape: number[], seed: number, scale = 1): Tensor {
  const r = new StatefulRng(seed);
  const d = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) d[i] = r.normal() * scale;
  return param(d, shape);
}

/** Scalar through a fixed random projection, so every output element matters. */
function project(y: Tensor, seed = 99): Tensor {
  const w = rand(y.shape, seed);
  w.requiresGrad = false;
  return ad.sum(ad.mul(y, w));
}

function expectGrad(name: string, f: () => Tensor, inputs: Tensor[], tol = 1e-2, maxPerInput = 40): void {
  const r = gradCheck(f, inputs, { eps: 1e-2, maxPerInput });
  assert(r.maxRelError < tol, `${name}: max rel error ${r.maxRelError} ${JSON.stringify(r.worst)}`);
}

Deno.test("conv2d matches a naive loop (strides, padding, rectangular input) and passes gradient checks", () => {
  for (const [stride, pad, k] of [[1, 1, 3], [2, 1, 3], [2, 0, 1], [1, 0, 2]] as const) {
    const x = rand([2, 3, 7, 9], 1), w = rand([4, 3, k, k], 2), b = rand([4], 3);
    const y = conv2d(x, w, b, { stride, padding: pad });
    const Ho = Math.floor((7 + 2 * pad - k) / stride) + 1, Wo = Math.floor((9 + 2 * pad - k) / stride) + 1;
    assert.deepEqual(y.shape, [2, 4, Ho, Wo]);
    let err = 0;
    for (let n = 0; n < 2; n++) {
      for (let co = 0; co < 4; co++) {
        for (let i = 0; i < Ho; i++) {
          for (let j = 0; j < Wo; j++) {
            let s = b.data[co];
            for (let ci = 0; ci < 3; ci++) {
              for (let p = 0; p < k; p++) {
                for (let q = 0; q < k; q++) {
                  const hi = i * stride + p - pad, wi = j * stride + q - pad;
                  if (hi >= 0 && hi < 7 && wi >= 0 && wi < 9) {
                    s += w.data[((co * 3 + ci) * k + p) * k + q] * x.data[((n * 3 + ci) * 7 + hi) * 9 + wi];
                  }
                }
              }
            }
            err = Math.max(err, Math.abs(s - y.data[((n * 4 + co) * Ho + i) * Wo + j]));
          }
        }
      }
    }
    assert(err < 1e-5, `conv2d s${stride} p${pad} k${k}: max error ${err}`);
    expectGrad(`conv2d s${stride} p${pad} k${k}`, () => project(conv2d(x, w, b, { stride, padding: pad })), [
      x,
      w,
      b,
    ]);
  }
});

Deno.test("conv2d on the WASM GEMM (large shapes, several chunks) matches the small-product path", () => {
  // 40 samples of 16x40 with 32 -> 32 channels: the im2col chunks and the WASM kernel are used
  const x = rand([40, 32, 16, 40], 4, 0.5), w = rand([32, 32, 3, 3], 5, 0.1);
  const y = conv2d(x, w, undefined, { stride: 1, padding: 1 });
  const one = conv2d(tensor(x.data.slice(39 * 32 * 640), [1, 32, 16, 40]), w, undefined, { padding: 1 });
  let err = 0;
  for (let i = 0; i < one.size; i++) err = Math.max(err, Math.abs(one.data[i] - y.data[39 * 32 * 640 + i]));
  assert(err < 1e-5, `chunked conv2d differs from a single-sample call by ${err}`);
  const r = gradCheck(() => project(conv2d(x, w, undefined, { stride: 2, padding: 1 })), [x, w], {
    eps: 1e-2,
    maxPerInput: 8,
  });
  assert(r.maxRelError < 1e-2, `large conv2d FD ${r.maxRelError} ${JSON.stringify(r.worst)}`);
});

Deno.test("per-channel ops (batch norm +/- ReLU over 4-d, channel mean/scale, stats pooling, expand) pass gradient checks", () => {
  const x = rand([3, 4, 5, 6], 6), g = rand([4], 7), b = rand([4], 8);
  const running = () => ({ mean: new Float32Array(4), var: new Float32Array(4).fill(1) });
  for (const relu of [false, true]) {
    expectGrad(`batchNormNd relu=${relu}`, () => project(batchNormNd(x, g, b, running(), true, { relu })), [
      x,
      g,
      b,
    ]);
    expectGrad(
      `batchNormNd eval relu=${relu}`,
      () => project(batchNormNd(x, g, b, running(), false, { relu })),
      [
        x,
        g,
        b,
      ],
    );
  }
  const s = rand([3, 4], 9);
  expectGrad("channelMean", () => project(channelMean(x)), [x]);
  expectGrad("channelScale", () => project(channelScale(x, s)), [x, s]);
  const t = rand([2, 5, 11], 10);
  expectGrad("meanStdPool unbiased", () => project(meanStdPool(t, { unbiased: true })), [t]);
  expectGrad("meanStdPool biased", () => project(meanStdPool(t, { unbiased: false, eps: 1e-5 })), [t]);
  expectGrad("expandLast", () => project(expandLast(s, 7)), [s]);
  // batch statistics: biased variance for normalising, unbiased for the running variance (PyTorch)
  const r = running();
  const y = batchNormNd(x, undefined, undefined, r, true, { momentum: 1 });
  let m0 = 0;
  for (let n = 0; n < 3; n++) for (let i = 0; i < 30; i++) m0 += x.data[n * 120 + i];
  assert(Math.abs(r.mean[0] - m0 / 90) < 1e-5, "running mean of channel 0");
  let v = 0;
  for (let n = 0; n < 3; n++) for (let i = 0; i < 30; i++) v += y.data[n * 120 + i] ** 2;
  assert(Math.abs(v / 90 - 1) < 1e-3, `normalised channel 0 has variance ${v / 90}`);
});

/** The tiny ECAPA of tests/golden/gen_resnet_ecapa.py, also grad-checked here. */
const TINY_ECAPA: EcapaConfig = {
  featDim: 12,
  channels: 8,
  mfaChannels: 12,
  attentionDim: 4,
  seDim: 4,
  scale: 4,
  embedDim: 6,
};

/** A few parameters of a module checked by central differences through the full network. */
function moduleGradCheck(name: string, net: Module, x: Tensor, tol: number): void {
  const params = net.namedParameters();
  const pick = params.filter((_, i) => i % Math.max(1, Math.floor(params.length / 8)) === 0).map(([, t]) =>
    t
  );
  const r = gradCheck(() => project(net.forward(x), 5), [x, ...pick], { eps: 1e-2, maxPerInput: 4 });
  console.log(
    `${name}: finite differences vs backward, max rel error ${
      r.maxRelError.toExponential(2)
    } over ${r.checked} entries`,
  );
  assert(r.maxRelError < tol, `${name}: max rel error ${r.maxRelError} ${JSON.stringify(r.worst)}`);
}

Deno.test("ResNet-SE and ECAPA-TDNN pass finite-difference checks end to end (eval-mode batch norm)", () => {
  const rng = new StatefulRng(3);
  const res = new ResNet({
    featDim: 16,
    mChannels: 4,
    blocks: [1, 1, 1, 1],
    embedDim: 8,
    se: true,
    seReduction: 2,
  }, rng);
  res.eval(); // batch statistics over 2 x 2 x 3 values make float32 differences too noisy
  moduleGradCheck("resnet-se", res, rand([2, 16, 24], 11), 2e-2);
  const ec = new EcapaTdnn(TINY_ECAPA, rng);
  ec.eval();
  moduleGradCheck("ecapa", ec, rand([2, 12, 20], 12), 2e-2);
});

interface GoldenTensor {
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  x: GoldenTensor;
  labels: number[];
  aam: GoldenTensor & { grad: number[] };
  state: Record<string, GoldenTensor>;
  loss: number;
  grads: Record<string, number[]>;
  running_after: Record<string, number[]>;
  eval_embeddings: GoldenTensor;
}

/** The tiny models of tests/golden/gen_resnet_ecapa.py. */
function goldenModel(name: string): ResNet | EcapaTdnn {
  if (name === "ecapa") {
    return new EcapaTdnn(TINY_ECAPA);
  }
  return new ResNet({
    featDim: 16,
    mChannels: 2,
    blocks: [1, 1, 1, 1],
    embedDim: 8,
    se: name === "resnet-se",
    seReduction: 2,
  });
}

function loadGolden(net: Module, c: GoldenCase): void {
  const sd = Object.fromEntries(
    Object.entries(c.state).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]),
  );
  net.loadStateDict(sd);
}

/**
 * max |a − b| / max(max |b|, floor): relative to the tensor's own scale. The floor (1e-3 of the largest
 * gradient of the model) is for gradients that are zero in exact arithmetic: the attention's output
 * bias, which the softmax over time cancels (PyTorch float64 gives ~1e-17 there, float32 ~1e-7).
 */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  assert.equal(a.length, b.length);
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(m, floor, 1e-30);
}

const GOLDEN_CASES = golden<{ cases: GoldenCase[] }>("resnet_ecapa.json").cases;

for (const c of GOLDEN_CASES) {
  Deno.test(`${c.name}: loss and every gradient match PyTorch (training mode, AAM-softmax) within 1e-4`, async () => {
    const net = goldenModel(c.name);
    loadGolden(net, c);
    const names = net.namedParameters().map(([k]) => k).sort();
    assert.deepEqual(names, Object.keys(c.grads).sort(), "parameter names differ from PyTorch's");
    const loss = await registry.create("loss", "aam-softmax", {
      dim: c.aam.shape[1],
      numClasses: c.aam.shape[0],
      scale: 32,
      margin: 0.2,
    });
    loss.parameters()[0].data.set(c.aam.data);
    net.train();
    const emb = net.forward(tensor(Float32Array.from(c.x.data), c.x.shape));
    const l = loss.forward({ embeddings: emb, labels: Int32Array.from(c.labels) });
    l.backward();
    const lossErr = Math.abs(l.item() - c.loss) / Math.abs(c.loss);
    let worst = 0, worstName = "", scale = 0;
    for (const g of Object.values(c.grads)) for (const v of g) scale = Math.max(scale, Math.abs(v));
    for (const [k, t] of net.namedParameters()) {
      const e = relErr(t.grad ?? new Float32Array(t.size), c.grads[k], 1e-3 * scale);
      if (e > worst) [worst, worstName] = [e, k];
    }
    const aamErr = relErr(loss.parameters()[0].grad!, c.aam.grad);
    const sd = net.stateDict();
    let runErr = 0;
    for (const [k, v] of Object.entries(c.running_after)) runErr = Math.max(runErr, relErr(sd[k].data, v));
    console.log(
      `${c.name}: loss rel ${lossErr.toExponential(2)}, worst gradient rel ${
        worst.toExponential(2)
      } (${worstName}), ` +
        `AAM weight gradient ${aamErr.toExponential(2)}, running stats ${runErr.toExponential(2)}`,
    );
    assert(lossErr < 1e-4, `loss ${l.item()} vs ${c.loss}`);
    assert(worst < 1e-4, `gradient of ${worstName}: relative error ${worst}`);
    assert(aamErr < 1e-4, `AAM weight gradient: relative error ${aamErr}`);
    assert(runErr < 1e-4, `running statistics after the step: relative error ${runErr}`);
  });
}

/** A few training steps (moves weights and the BN running statistics away from their initial values). */
async function briefTraining(net: ResNet | EcapaTdnn, F: number, seed: number): Promise<void> {
  const loss = await registry.create("loss", "aam-softmax", { dim: net.cfg.embedDim, numClasses: 3, seed });
  const { Adam } = await import("../core/nn/optim.ts");
  const opt = new Adam([...net.parameters(), ...loss.parameters()], { lr: 1e-2 });
  net.train();
  for (let s = 0; s < 3; s++) {
    opt.zeroGrad();
    const x = rand([4, F, 32], 100 + s);
    x.requiresGrad = false;
    loss.forward({ embeddings: net.forward(x), labels: Int32Array.of(0, 1, 2, 0) }).backward();
    opt.step();
  }
  net.eval();
}

const EXPORTED: [string, () => ResNet | EcapaTdnn, (n: ResNet | EcapaTdnn) => EmbedderExport][] = [
  [
    "resnet-se",
    () =>
      new ResNet({ featDim: 80, mChannels: 4, blocks: [1, 2, 1, 1], embedDim: 16, se: true, seReduction: 2 }),
    (n) => ({ arch: "resnet", config: (n as ResNet).cfg }),
  ],
  ["resnet", () => new ResNet({ featDim: 80, mChannels: 4, blocks: [1, 1, 1, 1], embedDim: 16 }), (n) => ({
    arch: "resnet",
    config: (n as ResNet).cfg,
  })],
  [
    "ecapa",
    () =>
      new EcapaTdnn({
        featDim: 80,
        channels: 16,
        mfaChannels: 24,
        attentionDim: 8,
        seDim: 8,
        scale: 4,
        embedDim: 12,
      }),
    (n) => ({ arch: "ecapa", config: (n as EcapaTdnn).cfg }),
  ],
];

for (const [name, make, specOf] of EXPORTED) {
  Deno.test(`${name}: the ONNX export equals the eval-mode forward, and onnx-speaker runs it with the WeSpeaker front end`, async () => {
    const net = make();
    await briefTraining(net, 80, 7);
    await withTempDir(async (dir) => {
      const path = `${dir}/${name}.onnx`;
      const e = await exportEmbedder(net, specOf(net), { path, metadata: { "embedkit.trained": "test" } });
      // 1. the graph on a random batch [B, T, F] vs the module on [B, F, T]
      const B = 3, T = 57;
      const x = rand([B, 80, T], 21);
      const ref = net.forward(tensor(x.data, x.shape)).data;
      const feats = new Float32Array(B * T * 80);
      for (let b = 0; b < B; b++) {
        for (let f = 0; f < 80; f++) {
          for (let t = 0; t < T; t++) feats[(b * T + t) * 80 + f] = x.data[(b * 80 + f) * T + t];
        }
      }
      const m = await loadOnnx(e.bytes, { ep: "wasm" });
      const out = (await m.run({ feats: { dims: [B, T, 80], data: feats } })).embs.data;
      await m.dispose();
      const err = relErr(out, ref);
      console.log(`${name}: ONNX vs eval forward, max abs diff / max abs ${err.toExponential(2)}`);
      assert(err < 1e-4, `${name}: ONNX output differs from the eval-mode forward by ${err} (relative)`);
      // 2. end to end through the registry: fbank (WeSpeaker preset, utterance CMN) -> module == onnx-speaker
      const bb = await registry.create("backbone", "onnx-speaker", { model: path });
      assert.equal((bb.info().frontend as { preset: string }).preset, "wespeaker");
      const r = new StatefulRng(5);
      const samples = Float32Array.from(
        { length: 24000 },
        (_, i) => 0.3 * Math.sin(i * 0.05 * (1 + (i % 7))) + 0.05 * r.normal(),
      );
      const [emb] = await bb.embed([{ id: "u", samples, sampleRate: 16000 }]);
      await bb.dispose?.();
      const fb = applyCmn(fbank(samples, { ...FBANK_PRESETS.wespeaker }));
      const xt = new Float32Array(80 * fb.rows);
      for (let t = 0; t < fb.rows; t++) {
        for (let f = 0; f < 80; f++) xt[f * fb.rows + t] = fb.data[t * 80 + f];
      }
      const want = net.forward(tensor(xt, [1, 80, fb.rows])).data;
      const err2 = relErr(emb, want);
      assert(
        err2 < 1e-4,
        `${name}: onnx-speaker embedding differs from fbank -> module by ${err2} (relative)`,
      );
    });
  });
}
