/**
 * Sequence-model layer builders on top of the ONNX {@link Graph}, for PyTorch modules the
 * convolutional builders in layers.ts do not cover: `nn.LSTM` (multi-layer, bidirectional,
 * batch_first), `nn.InstanceNorm1d(affine=True)`, `nn.MaxPool1d`, `F.leaky_relu` and `nn.Linear` applied
 * to [B, T, F] tensors. Weights are read from a {@link WeightSource} under PyTorch's state-dict names
 * (`lstm.weight_ih_l0`, `lstm.bias_hh_l1_reverse`, ...), so a real checkpoint's tensors drop in.
 *
 * ONNX LSTM (opset 7+) differs from PyTorch in gate order (ONNX i, o, f, c; PyTorch i, f, g, o) and
 * packs both biases in one B = [W_b; R_b] per direction; {@link lstm} reorders and packs. It runs in
 * ONNX's default layout [T, B, F]; Y comes back as [T, dirs, B, H] and is reshaped to [T, B, dirs*H]
 * (forward half first, as PyTorch concatenates).
 * @module
 */
import { f, type Graph } from "./writer.ts";
import type { WeightSource } from "./layers.ts";

/** PyTorch gate blocks (i, f, g, o) in the order ONNX wants them (i, o, f, c). */
const ONNX_GATES = [0, 3, 1, 2];

/** Reorders the four H-row gate blocks of a PyTorch LSTM tensor ([4H, cols], row-major) into ONNX order. */
export function reorderGates(t: Float32Array, hidden: number, cols: number): Float32Array {
  const out = new Float32Array(t.length);
  const block = hidden * cols;
  ONNX_GATES.forEach((src, dst) => out.set(t.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

/**
 * One (possibly bidirectional) LSTM layer `layer` of a PyTorch `nn.LSTM` named `prefix`:
 * x [T, B, inSize] -> [T, B, dirs * hidden]. Zero initial states, as PyTorch without (h0, c0).
 */
export function lstmLayer(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  layer: number,
  inSize: number,
  hidden: number,
  bidirectional = true,
): string {
  const dirs = bidirectional ? 2 : 1;
  const W = new Float32Array(dirs * 4 * hidden * inSize);
  const R = new Float32Array(dirs * 4 * hidden * hidden);
  const B = new Float32Array(dirs * 8 * hidden);
  for (let d = 0; d < dirs; d++) {
    const sfx = `_l${layer}${d === 1 ? "_reverse" : ""}`;
    const take = (n: string, shape: number[]) => w.take(`${prefix}.${n}${sfx}`, shape, "small");
    W.set(reorderGates(take("weight_ih", [4 * hidden, inSize]), hidden, inSize), d * 4 * hidden * inSize);
    R.set(reorderGates(take("weight_hh", [4 * hidden, hidden]), hidden, hidden), d * 4 * hidden * hidden);
    B.set(reorderGates(take("bias_ih", [4 * hidden]), hidden, 1), d * 8 * hidden);
    B.set(reorderGates(take("bias_hh", [4 * hidden]), hidden, 1), d * 8 * hidden + 4 * hidden);
  }
  const p = `${prefix}.onnx_l${layer}`;
  const [y] = g.opMulti(
    "LSTM",
    [
      x,
      g.init(`${p}.W`, [dirs, 4 * hidden, inSize], W),
      g.init(`${p}.R`, [dirs, 4 * hidden, hidden], R),
      g.init(`${p}.B`, [dirs, 8 * hidden], B),
    ],
    { hidden_size: hidden, direction: bidirectional ? "bidirectional" : "forward" },
    1,
  );
  // Y [T, dirs, B, H] -> [T, B, dirs, H] -> [T, B, dirs*H]
  const t = g.op("Transpose", [y], { perm: [0, 2, 1, 3] });
  return g.op("Reshape", [t, g.i64([0, 0, dirs * hidden])]);
}

/** Stacked `nn.LSTM(inSize, hidden, numLayers, bidirectional)`: x [T, B, inSize] -> [T, B, dirs*hidden]. */
export function lstm(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  inSize: number,
  hidden: number,
  numLayers: number,
  bidirectional = true,
): string {
  const dirs = bidirectional ? 2 : 1;
  for (let l = 0; l < numLayers; l++) {
    x = lstmLayer(g, w, prefix, x, l, l === 0 ? inSize : dirs * hidden, hidden, bidirectional);
  }
  return x;
}

/** `nn.InstanceNorm1d(c, affine=True)` on [B, C, T] (statistics per instance and channel, eps 1e-5). */
export function instanceNorm1d(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  c: number,
  eps = 1e-5,
): string {
  const scale = g.init(`${prefix}.weight`, [c], w.take(`${prefix}.weight`, [c], "one"));
  const bias = g.init(`${prefix}.bias`, [c], w.take(`${prefix}.bias`, [c], "small"));
  return g.op("InstanceNormalization", [x, scale, bias], { epsilon: f(eps) });
}

/** `nn.MaxPool1d(k, stride)` on [B, C, T], no padding. */
export function maxPool1d(g: Graph, x: string, k: number, stride = k): string {
  return g.op("MaxPool", [x], { kernel_shape: [k], strides: [stride] });
}

/** `F.leaky_relu` (negative slope 0.01 by default). */
export function leakyRelu(g: Graph, x: string, alpha = 0.01): string {
  return g.op("LeakyRelu", [x], { alpha: f(alpha) });
}

/** `nn.Linear(din, dout)` applied to the last axis of [B, T, din] (MatMul with W^T, then + b). */
export function linearSeq(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  din: number,
  dout: number,
): string {
  const wt = w.take(`${prefix}.weight`, [dout, din], "he", din);
  const t = new Float32Array(din * dout);
  for (let o = 0; o < dout; o++) for (let i = 0; i < din; i++) t[i * dout + o] = wt[o * din + i];
  const y = g.op("MatMul", [x, g.init(`${prefix}.weight_t`, [din, dout], t)]);
  return g.op("Add", [y, g.init(`${prefix}.bias`, [dout], w.take(`${prefix}.bias`, [dout], "zero"))]);
}
