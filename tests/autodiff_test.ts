// Finite-difference gradient checks of every autodiff op and every layer, plus matmul against a naive oracle.
import assert, { deepEqual } from "#std/assert";
import * as ad from "../core/autodiff/mod.ts";
import { gradCheck, param, type Tensor } from "../core/autodiff/mod.ts";
import * as nn from "../core/nn/mod.ts";
import { maxAbsDiff } from "./helpers.ts";

function rand(shape: number[], seed: number, scale = 1): Tensor {
  const r = new nn.StatefulRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = r.normal() * scale;
  return param(d, shape);
}

/** Scalar from a tensor through a fixed random projection (so every output element matters). */
function project(y: Tensor, seed = 99): Tensor {
  const w = rand(y.shape, seed);
  w.requiresGrad = false;
  return ad.sum(ad.mul(y, w));
}

function expectGrad(name: string, f: () => Tensor, inputs: Tensor[], tol = 2e-2, eps = 1e-2): void {
  const r = gradCheck(f, inputs, { eps });
  assert(r.maxRelError < tol, `${name}: max rel error ${r.maxRelError} ${JSON.stringify(r.worst)}`);
}

Deno.test("gemm kernels match a naive product (NN, NT, TN, odd sizes)", () => {
  const M = 37, N = 530, K = 141;
  const A = rand([M, K], 1).data, B = rand([K, N], 2).data;
  const C = new Float32Array(M * N);
  ad.gemmNN(M, N, K, A, B, C);
  let err = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[i * K + k] * B[k * N + j];
      err = Math.max(err, Math.abs(s - C[i * N + j]));
    }
  }
  assert(err < 1e-3, `NN err ${err}`);
  const Bt = ad.transpose2d(K, N, B), C2 = new Float32Array(M * N);
  ad.gemmNT(M, N, K, A, Bt, C2);
  const At = ad.transpose2d(M, K, A), C3 = new Float32Array(M * N);
  ad.gemmTN(M, N, K, At, B, C3);
  for (let i = 0; i < C.length; i++) {
    assert(Math.abs(C[i] - C2[i]) < 1e-3 && Math.abs(C[i] - C3[i]) < 1e-3);
  }
});

Deno.test("large products take the WASM SIMD path and still match the TypeScript kernel and a naive sum", () => {
  const M = 70, N = 90, K = 80; // 504k multiply-adds: above the WASM threshold
  const A = rand([M, K], 3).data, B = rand([K, N], 4).data;
  const naive = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) naive[i * N + j] += A[i * K + k] * B[k * N + j];
  }
  const viaNN = new Float32Array(M * N),
    viaNT = new Float32Array(M * N),
    viaTN = new Float32Array(M * N),
    ts = new Float32Array(M * N);
  ad.gemmNN(M, N, K, A, B, viaNN);
  ad.gemmNT(M, N, K, A, ad.transpose2d(K, N, B), viaNT);
  ad.gemmTN(M, N, K, ad.transpose2d(M, K, A), B, viaTN);
  ad.gemmNNts(M, N, K, A, B, ts);
  for (const [name, c] of [["NN", viaNN], ["NT", viaNT], ["TN", viaTN], ["ts", ts]] as const) {
    assert(maxAbsDiff(c, naive) < 1e-4, `${name}: ${maxAbsDiff(c, naive)}`);
  }
  const acc = Float32Array.from(naive);
  ad.gemmNN(M, N, K, A, B, acc, true);
  assert(maxAbsDiff(acc, naive.map((v) => 2 * v)) < 2e-4, "accumulate");
  // a conv1d big enough for the WASM path: direct sum and finite differences
  const x = rand([2, 32, 64], 5, 0.5), w = rand([64, 32, 3], 6, 0.2), b = rand([64], 7);
  const y = ad.conv1d(x, w, b, { dilation: 2 });
  let err = 0;
  for (const [bb, co, t] of [[0, 0, 0], [1, 63, 59], [0, 17, 30], [1, 5, 11]]) {
    let s = b.data[co];
    for (let ci = 0; ci < 32; ci++) {
      for (let k = 0; k < 3; k++) {
        s += w.data[(co * 32 + ci) * 3 + k] * x.data[(bb * 32 + ci) * 64 + t + 2 * k];
      }
    }
    err = Math.max(err, Math.abs(s - y.data[(bb * 64 + co) * 60 + t]));
  }
  assert(err < 1e-4, `large conv1d err ${err}`);
  const r = gradCheck(() => project(ad.conv1d(x, w, b, { dilation: 2 })), [x, w, b], {
    eps: 1e-2,
    maxPerInput: 6,
  });
  assert(r.maxRelError < 2e-2, `large conv1d FD ${r.maxRelError} ${JSON.stringify(r.worst)}`);
});

Deno.test("element-wise and broadcasting ops pass gradient checks", () => {
  const a = rand([3, 4], 1), b = rand([4], 2), c = rand([3, 1], 3);
  const pos = param(Float32Array.from(rand([3, 4], 4).data, (v) => Math.abs(v) + 0.5), [3, 4]);
  expectGrad("add", () => project(ad.add(a, b)), [a, b]);
  expectGrad("sub", () => project(ad.sub(c, a)), [a, c]);
  expectGrad("mul", () => project(ad.mul(a, c)), [a, c]);
  expectGrad("div", () => project(ad.div(a, pos)), [a, pos]);
  expectGrad("maximum", () => project(ad.maximum(a, b)), [a, b]);
  expectGrad("exp/log/sqrt", () => project(ad.add(ad.log(pos), ad.mul(ad.sqrt(pos), ad.exp(a)))), [a, pos]);
  expectGrad(
    "tanh/sigmoid/leaky",
    () => project(ad.add(ad.tanh(a), ad.mul(ad.sigmoid(a), ad.leakyRelu(a, 0.1)))),
    [a],
  );
  expectGrad("relu", () => project(ad.relu(a)), [a]);
  expectGrad(
    "square/scale/addScalar/log1p",
    () => project(ad.log1p(ad.addScalar(ad.scale(ad.square(a), 0.5), 1))),
    [a],
  );
  const mask = Float32Array.from({ length: 12 }, (_, i) => i % 3 === 0 ? 1 : 0);
  expectGrad("where", () => project(ad.where(mask, a, ad.scale(a, 3))), [a]);
});

Deno.test("shape ops, reductions, softmax family pass gradient checks", () => {
  const a = rand([2, 3, 4], 5);
  expectGrad("sum axes", () => project(ad.sum(a, [0, 2])), [a]);
  expectGrad("mean keepdim", () => project(ad.mean(a, 1, true)), [a]);
  expectGrad("permute", () => project(ad.permute(a, [2, 0, 1])), [a]);
  expectGrad("reshape/transpose", () => project(ad.transpose(ad.reshape(a, [6, 4]))), [a]);
  expectGrad("slice/concat", () => project(ad.concat([ad.slice(a, 2, 1, 3), a], 2)), [a]);
  expectGrad("softmax", () => project(ad.softmax(a)), [a]);
  expectGrad("logSoftmax", () => project(ad.logSoftmax(a)), [a]);
  expectGrad("logSumExp", () => project(ad.logSumExp(a)), [a]);
  expectGrad("maxLast", () => project(ad.maxLast(a)), [a]);
  const m = ad.reshape(a, [6, 4]);
  expectGrad(
    "rows/pick",
    () => ad.add(project(ad.rows(m, [5, 0, 5])), ad.sum(ad.pick(m, [0, 1, 2, 3, 0, 1]))),
    [a],
  );
  expectGrad("crossEntropy", () => ad.crossEntropy(m, [0, 1, 2, 3, 0, 1]), [a]);
  expectGrad("l2normalize", () => project(ad.l2normalize(m)), [a]);
  expectGrad("sqDistMatrix", () => project(ad.sqDistMatrix(m, ad.slice(m, 0, 1, 4))), [a], 3e-2);
  deepEqual(ad.sum(a, 1).shape, [2, 4]);
});

Deno.test("matmul (all transposes), bmm and linear pass gradient checks", () => {
  const a = rand([3, 5], 6), b = rand([5, 4], 7), bt = rand([4, 5], 8), at = rand([5, 3], 9);
  expectGrad("NN", () => project(ad.matmul(a, b)), [a, b]);
  expectGrad("NT", () => project(ad.matmul(a, bt, { transB: true })), [a, bt]);
  expectGrad("TN", () => project(ad.matmul(at, b, { transA: true })), [at, b]);
  expectGrad("TT", () => project(ad.matmul(at, bt, { transA: true, transB: true })), [at, bt]);
  const x = rand([2, 3, 5], 10), y = rand([2, 5, 4], 11), yt = rand([2, 4, 5], 12);
  expectGrad("bmm", () => project(ad.bmm(x, y)), [x, y]);
  expectGrad("bmm^T", () => project(ad.bmm(x, yt, true)), [x, yt]);
  const w = rand([4, 5], 13), bias = rand([4], 14);
  expectGrad("linear", () => project(ad.linear(x, w, bias)), [x, w, bias]);
  const r = ad.gradReverse(a, 0.5);
  project(r).backward();
  const g1 = Float32Array.from(a.grad!);
  a.grad = null;
  project(a).backward();
  for (let i = 0; i < g1.length; i++) {
    assert(Math.abs(g1[i] + 0.5 * a.grad![i]) < 1e-6, "gradReverse flips and scales");
  }
  a.grad = null;
});

Deno.test("conv1d (dilation, padding, stride) matches a direct sum and passes gradient checks", () => {
  const x = rand([2, 3, 11], 20), w = rand([4, 3, 3], 21), b = rand([4], 22);
  const o = { dilation: 2, padding: 1, stride: 2 };
  const y = ad.conv1d(x, w, b, o);
  const To = ad.convOutLength(11, 3, o);
  deepEqual(y.shape, [2, 4, To]);
  let err = 0;
  for (let bb = 0; bb < 2; bb++) {
    for (let co = 0; co < 4; co++) {
      for (let t = 0; t < To; t++) {
        let s = b.data[co];
        for (let ci = 0; ci < 3; ci++) {
          for (let k = 0; k < 3; k++) {
            const ti = t * 2 + k * 2 - 1;
            if (ti >= 0 && ti < 11) s += w.data[(co * 3 + ci) * 3 + k] * x.data[(bb * 3 + ci) * 11 + ti];
          }
        }
        err = Math.max(err, Math.abs(s - y.data[(bb * 4 + co) * To + t]));
      }
    }
  }
  assert(err < 1e-5, `conv1d err ${err}`);
  expectGrad("conv1d", () => project(ad.conv1d(x, w, b, o)), [x, w, b]);
});

Deno.test("layers pass gradient checks (norms, pooling, attention, conformer-lite, TDNN)", () => {
  const rng = new nn.StatefulRng(3);
  const x2 = rand([5, 6], 30), x3 = rand([3, 4, 7], 31);
  const bn = new nn.BatchNorm1d(6);
  expectGrad("batchnorm 2d", () => project(bn.forward(x2)), [x2, ...bn.parameters()]);
  const bn3 = new nn.BatchNorm1d(4);
  expectGrad("batchnorm 3d", () => project(bn3.forward(x3)), [x3, ...bn3.parameters()]);
  bn3.eval();
  expectGrad("batchnorm eval", () => project(bn3.forward(x3)), [x3, ...bn3.parameters()]);
  const ln = new nn.LayerNorm(7);
  ln.weight.data.set(rand([7], 32).data);
  expectGrad("layernorm", () => project(ln.forward(x3)), [x3, ...ln.parameters()]);
  const sp = new nn.StatsPooling();
  expectGrad("stats pooling", () => project(sp.forward(x3)), [x3]);
  const asp = new nn.AttentiveStatsPooling(4, 5, rng);
  expectGrad("attentive stats pooling", () => project(asp.forward(x3)), [x3, ...asp.parameters()]);
  const xs = rand([2, 5, 8], 33);
  const mh = new nn.MultiHeadSelfAttention(8, 2, rng);
  expectGrad("mhsa", () => project(mh.forward(xs)), [xs, ...mh.parameters()]);
  const cf = new nn.ConformerLiteBlock({ dim: 8, heads: 2, kernel: 3, ffDim: 12, dropout: 0 }, rng);
  expectGrad("conformer-lite", () => project(cf.forward(xs)), [xs, ...cf.parameters()], 1e-2, 1e-3); // small step: ReLU kinks
  const td = new nn.Tdnn({
    inputDim: 4,
    channels: [6, 5],
    kernels: [3, 3],
    dilations: [1, 2],
    embedDim: 3,
    pooling: "stats",
  }, rng);
  const xf = rand([3, 4, 12], 34);
  expectGrad("tdnn", () => project(td.forward(xf)), [xf, ...td.parameters()], 1e-2, 1e-3);
  const enc = new nn.ConformerLiteEncoder({
    inputDim: 4,
    dim: 8,
    heads: 2,
    kernel: 3,
    ffDim: 8,
    dropout: 0,
    blocks: 1,
    embedDim: 3,
  }, rng);
  deepEqual(enc.forward(xf).shape, [3, 3]);
  const drop = new nn.Dropout(0.5, new nn.StatefulRng(1));
  const d1 = drop.forward(x2);
  const zeros = d1.data.filter((v) => v === 0).length;
  assert(zeros > 5 && zeros < 25, `dropout zeroed ${zeros}/30`);
  drop.eval();
  assert(drop.forward(x2) === x2, "dropout is identity in eval mode");
});

Deno.test("optimisers follow the PyTorch update rules", () => {
  // one parameter, hand-computed steps of torch.optim.SGD(momentum=0.9, weight_decay=0.1, nesterov) and Adam/AdamW
  const p = param(Float32Array.of(1, -2), [2]);
  const sgd = new nn.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true });
  let buf = [0, 0];
  const ref = [1, -2];
  for (let s = 0; s < 3; s++) {
    p.grad = Float32Array.of(0.5, 0.25);
    const g = [0.5 + 0.1 * ref[0], 0.25 + 0.1 * ref[1]];
    buf = s === 0 ? g : buf.map((b, i) => 0.9 * b + g[i]);
    for (let i = 0; i < 2; i++) ref[i] -= 0.1 * (g[i] + 0.9 * buf[i]);
    sgd.step();
  }
  assert(
    Math.abs(p.data[0] - ref[0]) < 1e-6 && Math.abs(p.data[1] - ref[1]) < 1e-6,
    `sgd ${p.data} vs ${ref}`,
  );
  const q = param(Float32Array.of(1), [1]);
  const adamw = new nn.AdamW([q], { lr: 0.1, weightDecay: 0.5 });
  let m = 0, v = 0, val = 1;
  for (let t = 1; t <= 3; t++) {
    q.grad = Float32Array.of(0.3 * t);
    const g = 0.3 * t;
    val *= 1 - 0.1 * 0.5;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    val -= (0.1 * m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    adamw.step();
  }
  assert(Math.abs(q.data[0] - val) < 1e-6, `adamw ${q.data[0]} vs ${val}`);
  const c = param(Float32Array.of(0), [2].map(() => 1));
  c.grad = Float32Array.of(10);
  const g2 = param(Float32Array.of(0), [1]);
  g2.grad = Float32Array.of(-10);
  const norm = nn.clipGradNorm([c, g2], 1);
  assert(Math.abs(norm - Math.sqrt(200)) < 1e-4 && Math.abs(Math.hypot(c.grad[0], g2.grad[0]) - 1) < 1e-4);
});

Deno.test("schedules: warm-up, cosine to the floor, exponential", () => {
  const cos = nn.lrSchedule({ base: 1, warmupSteps: 4, decay: "cosine", totalSteps: 14, minLr: 0.1 });
  assert(
    Math.abs(cos(0) - 0.25) < 1e-12 && cos(3) === 1 && Math.abs(cos(9) - 0.55) < 1e-12 &&
      Math.abs(cos(14) - 0.1) < 1e-12,
  );
  const ex = nn.lrSchedule({ base: 2, decay: "exponential", gamma: 0.5 });
  assert(ex(3) === 0.25);
});
