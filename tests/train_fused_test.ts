// The fast training paths (core/autodiff/conv_taps.ts, the fused conv → ReLU → batch norm block,
// fused statistics pooling) at sizes that take the WASM route, against independent oracles: a direct
// convolution sum, central differences, and the unfused generic ops.
import assert from "#std/assert";
import * as ad from "../core/autodiff/mod.ts";
import { param, type Tensor } from "../core/autodiff/mod.ts";
import * as nn from "../core/nn/mod.ts";
import { maxAbsDiff } from "./helpers.ts";

function rand(shape: number[], seed: number, scale = 1): Tensor {
  const r = new nn.StatefulRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = r.normal() * scale;
  return param(d, shape);
}

function projection(shape: number[], seed = 99): Tensor {
  const w = rand(shape, seed);
  w.requiresGrad = false;
  return w;
}

/** Gradients of sum(f() * proj) w.r.t. `inputs` (copies), gradients cleared afterwards. */
function grads(f: () => Tensor, proj: Tensor, inputs: Tensor[]): Float32Array[] {
  for (const t of inputs) t.grad = null;
  ad.sum(ad.mul(f(), proj)).backward();
  const out = inputs.map((t) => Float32Array.from(t.grad ?? new Float32Array(t.size)));
  for (const t of inputs) t.grad = null;
  return out;
}

const rel = (a: Float32Array, b: Float32Array) => maxAbsDiff(a, b) / Math.max(1e-6, ...b.map(Math.abs));

// [K, dilation, padding, T, Cin]: time windows (K = 5, 'same'), stacked taps (K·Cin > 1024), Winograd
// F(2,3) with partial last blocks of pairs, plain Winograd, and padding beyond (K−1)·d (dx then takes
// the tap-product route)
const convCases: [number, number, number, number, number][] = [
  [5, 2, 4, 50, 24],
  [5, 1, 0, 30, 210],
  [3, 3, 2, 53, 24], // To = 51: the last block of pairs has no second outputs
  [3, 3, 0, 55, 24], // To = 49: phases 1 and 2 have one pair fewer than phase 0
  [3, 1, 0, 50, 24],
  [3, 1, 3, 50, 24],
];

Deno.test("conv1d WASM paths (windows, taps, Winograd F(2,3); dilation, padding) match a direct sum; gradients are exact", () => {
  for (const [K, d, p, T, Cin] of convCases) {
    const B = 2, Cout = 40; // >= 2·44·40·72 MACs: WASM path
    const x = rand([B, Cin, T], 1, 0.5), w = rand([Cout, Cin, K], 2, 0.2), b = rand([Cout], 3);
    const y = ad.conv1d(x, w, b, { dilation: d, padding: p });
    const To = ad.convOutLength(T, K, { dilation: d, padding: p });
    let err = 0;
    const direct = (xd: Float32Array, wd: Float32Array, bb: number, co: number, t: number) => {
      let s = b.data[co];
      for (let ci = 0; ci < Cin; ci++) {
        for (let k = 0; k < K; k++) {
          const ti = t + k * d - p;
          if (ti >= 0 && ti < T) s += wd[(co * Cin + ci) * K + k] * xd[(bb * Cin + ci) * T + ti];
        }
      }
      return s;
    };
    for (let bb = 0; bb < B; bb++) {
      for (let co = 0; co < Cout; co++) {
        for (let t = 0; t < To; t++) {
          err = Math.max(
            err,
            Math.abs(direct(x.data, w.data, bb, co, t) - y.data[(bb * Cout + co) * To + t]),
          );
        }
      }
    }
    assert(err < 1e-4, `conv1d K ${K} d ${d} p ${p} vs direct sum: ${err}`);
    // the op is linear in x and in w: the gradient of sum(y * P) is a direct sum too
    const P = projection([B, Cout, To]);
    const [gx, gw, gb] = grads(() => ad.conv1d(x, w, b, { dilation: d, padding: p }), P, [x, w, b]);
    let ex = 0, ew = 0, eb = 0;
    for (let bb = 0; bb < B; bb++) {
      for (let ci = 0; ci < Cin; ci++) {
        for (let ti = 0; ti < T; ti++) {
          let s = 0;
          for (let co = 0; co < Cout; co++) {
            for (let k = 0; k < K; k++) {
              const t = ti - k * d + p;
              if (t >= 0 && t < To) s += w.data[(co * Cin + ci) * K + k] * P.data[(bb * Cout + co) * To + t];
            }
          }
          ex = Math.max(ex, Math.abs(s - gx[(bb * Cin + ci) * T + ti]));
        }
      }
    }
    for (let co = 0; co < Cout; co++) {
      let sb = 0;
      for (let bb = 0; bb < B; bb++) for (let t = 0; t < To; t++) sb += P.data[(bb * Cout + co) * To + t];
      eb = Math.max(eb, Math.abs(sb - gb[co]));
      for (let ci = 0; ci < Cin; ci++) {
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let bb = 0; bb < B; bb++) {
            for (let t = 0; t < To; t++) {
              const ti = t + k * d - p;
              if (ti >= 0 && ti < T) {
                s += x.data[(bb * Cin + ci) * T + ti] * P.data[(bb * Cout + co) * To + t];
              }
            }
          }
          ew = Math.max(ew, Math.abs(s - gw[(co * Cin + ci) * K + k]));
        }
      }
    }
    assert(
      ex < 1e-4 && ew < 1e-3 && eb < 1e-3,
      `conv1d K ${K} d ${d} p ${p} gradients: dx ${ex} dw ${ew} db ${eb}`,
    );
  }
});

Deno.test("fused conv → ReLU → batch norm equals the separate ops (values, running stats, all gradients)", () => {
  const B = 3, Cin = 20, T = 60, Cout = 48, K = 3, d = 3; // WASM path
  const x = rand([B, Cin, T], 4), w = rand([Cout, Cin, K], 5, 0.2), b = rand([Cout], 6, 0.3);
  const conv = new nn.Conv1d(Cin, Cout, K, { dilation: d });
  conv.weight.data.set(w.data);
  conv.bias!.data.set(b.data);
  const bnF = new nn.BatchNorm1d(Cout), bnS = new nn.BatchNorm1d(Cout);
  const gamma = rand([Cout], 7, 0.5), beta = rand([Cout], 8, 0.5);
  for (const bn of [bnF, bnS]) {
    bn.weight!.data.set(gamma.data);
    bn.bias!.data.set(beta.data);
  }
  const fused = () => nn.convReluBatchNorm(conv, bnF, x);
  const separate = () => bnS.forward(ad.relu(conv.forward(x)));
  for (const training of [true, false]) {
    bnF.train(training);
    bnS.train(training);
    // the gradient checks below ran the fused op more often: start both from the same statistics
    bnS.runningMean.set(bnF.runningMean);
    bnS.runningVar.set(bnF.runningVar);
    const yf = fused(), ys = separate();
    assert(maxAbsDiff(yf.data, ys.data) < 1e-4, `${training} values ${maxAbsDiff(yf.data, ys.data)}`);
    assert(maxAbsDiff(bnF.runningVar, bnS.runningVar) < 1e-6, "running variance");
    assert(maxAbsDiff(bnF.runningMean, bnS.runningMean) < 1e-6, "running mean");
    const P = projection(yf.shape);
    const inputs = [x, conv.weight, conv.bias!, bnF.weight!, bnF.bias!];
    const gf = grads(fused, P, inputs);
    const gs = grads(separate, P, [x, conv.weight, conv.bias!, bnS.weight!, bnS.bias!]);
    gf.forEach((g, i) => assert(rel(g, gs[i]) < 1e-4, `${training} gradient ${i}: rel ${rel(g, gs[i])}`));
    // independent oracle in float64 from the textbook formulas, given z = conv1d(x) (checked above)
    const z = ad.conv1d(x, conv.weight, conv.bias, { dilation: d }).data,
      L = z.length / (B * Cout),
      N = B * L;
    const idx = (bb: number, c: number, l: number) => (bb * Cout + c) * L + l;
    let ey = 0, eg = 0, ebt = 0, ebias = 0;
    for (let c = 0; c < Cout; c++) {
      let m = 0, v = 0;
      for (let bb = 0; bb < B; bb++) for (let l = 0; l < L; l++) m += Math.max(z[idx(bb, c, l)], 0) / N;
      for (let bb = 0; bb < B; bb++) {
        for (let l = 0; l < L; l++) v += (Math.max(z[idx(bb, c, l)], 0) - m) ** 2 / N;
      }
      if (!training) [m, v] = [bnF.runningMean[c], bnF.runningVar[c]];
      const is = 1 / Math.sqrt(v + 1e-5), gm = gamma.data[c];
      let sd = 0, sdh = 0, sg = 0, sgh = 0;
      for (let bb = 0; bb < B; bb++) {
        for (let l = 0; l < L; l++) {
          const h = (Math.max(z[idx(bb, c, l)], 0) - m) * is, dy = P.data[idx(bb, c, l)];
          ey = Math.max(ey, Math.abs(gm * h + beta.data[c] - yf.data[idx(bb, c, l)]));
          sg += dy;
          sgh += dy * h;
          sd += dy * gm;
          sdh += dy * gm * h;
        }
      }
      eg = Math.max(eg, Math.abs(sgh - gf[3][c]));
      ebt = Math.max(ebt, Math.abs(sg - gf[4][c]));
      let dbias = 0; // Σ dz over the channel = the conv bias gradient
      for (let bb = 0; bb < B; bb++) {
        for (let l = 0; l < L; l++) {
          const zz = z[idx(bb, c, l)], h = (Math.max(zz, 0) - m) * is, dxh = P.data[idx(bb, c, l)] * gm;
          const da = training ? (is / N) * (N * dxh - sd - h * sdh) : is * dxh;
          dbias += zz > 0 ? da : 0;
        }
      }
      ebias = Math.max(ebias, Math.abs(dbias - gf[2][c]));
    }
    assert(
      ey < 1e-4 && eg < 1e-3 && ebt < 1e-3 && ebias < 1e-3,
      `${training} vs f64 oracle: ${[ey, eg, ebt, ebias]}`,
    );
    // and central differences on a few entries of x and w (train mode couples the whole batch)
    const r = ad.gradCheck(() => ad.sum(ad.mul(fused(), P)), [x, conv.weight], { eps: 1e-2, maxPerInput: 5 });
    assert(r.maxRelError < 3e-2, `${training} FD ${r.maxRelError} ${JSON.stringify(r.worst)}`);
  }
});

Deno.test("a TDNN big enough for the fused path trains: loss falls and stats pooling matches its definition", () => {
  const rng = new nn.StatefulRng(5);
  const td = new nn.Tdnn({
    inputDim: 24, // layer MACs 4·38·32·72 and 4·34·32·96: both above the WASM threshold
    channels: [32, 32],
    kernels: [3, 3],
    dilations: [1, 2],
    embedDim: 8,
    pooling: "stats",
  }, rng);
  const x = rand([4, 24, 40], 9);
  x.requiresGrad = false;
  const frames = td.frames(x);
  const pooled = new nn.StatsPooling().forward(frames);
  const [B, C, T] = frames.shape;
  let err = 0;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let m = 0, v = 0;
      for (let t = 0; t < T; t++) m += frames.data[(b * C + c) * T + t] / T;
      for (let t = 0; t < T; t++) v += (frames.data[(b * C + c) * T + t] - m) ** 2 / T;
      err = Math.max(err, Math.abs(pooled.data[b * 2 * C + c] - m));
      err = Math.max(err, Math.abs(pooled.data[b * 2 * C + C + c] - Math.sqrt(v + 1e-5)));
    }
  }
  assert(err < 1e-5, `stats pooling ${err}`);
  const target = rand([4, 8], 10);
  target.requiresGrad = false;
  const opt = new nn.Adam(td.parameters(), { lr: 1e-2 });
  const lossAt = () => ad.mean(ad.square(ad.sub(td.forward(x), target)));
  const first = lossAt().item();
  for (let i = 0; i < 30; i++) {
    opt.zeroGrad();
    lossAt().backward();
    opt.step();
  }
  const last = lossAt().item();
  assert(last < 0.5 * first, `loss ${first} -> ${last}`);
});

Deno.test("the fused TDNN block refuses a second backward through the same graph with a clear error", () => {
  const conv = new nn.Conv1d(24, 32, 3, { dilation: 2 }), bn = new nn.BatchNorm1d(32);
  const x = rand([4, 24, 40], 11); // 4·36·32·72 MACs: the fused WASM path
  const loss = ad.sum(nn.convReluBatchNorm(conv, bn, x));
  loss.backward();
  let msg = "";
  try {
    loss.backward();
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(/second time/.test(msg) && /forward pass again/.test(msg), `got: ${msg}`);
});
