/**
 * Layer builders on top of the ONNX {@link Graph}: each adds the nodes and weights of one PyTorch-style
 * layer, with weights named like the PyTorch state dict (`prefix.weight`, `prefix.bias`, BN running
 * stats). Weights come either from a seeded Rng (architecture-faithful random models) or from a
 * provided state dict (export of trained modules).
 * @module
 */
import { f, type Graph } from "./writer.ts";
import type { Rng } from "../random.ts";

/** A named weight: what the training code's `stateDict()` returns per parameter. */
export interface NamedTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}
/** Parameter name -> tensor. */
export type StateDict = Record<string, NamedTensor>;

/** Where weights come from: a seeded Rng (random but faithful shapes) or a state dict. */
export class WeightSource {
  constructor(readonly rng?: Rng, readonly state?: StateDict) {
    if (!rng && !state) throw new Error("WeightSource needs an Rng or a state dict");
  }
  /** Reads `name` from the state dict (checking its shape) or draws it. */
  take(
    name: string,
    shape: number[],
    init: "he" | "zero" | "one" | "bn-mean" | "bn-var" | "small",
    fanIn = 1,
  ): Float32Array {
    const size = shape.reduce((a, b) => a * b, 1);
    if (this.state) {
      const t = this.state[name];
      if (!t) {
        throw new Error(
          `export: state dict has no '${name}' (shape [${shape}]); keys: ${
            Object.keys(this.state).join(", ")
          }`,
        );
      }
      if (t.data.length !== size || t.shape.join() !== shape.join()) {
        throw new Error(`export: '${name}' has shape [${t.shape}] but the layer needs [${shape}]`);
      }
      return t.data;
    }
    const rng = this.rng!;
    const out = new Float32Array(size);
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < size; i++) {
      switch (init) {
        case "he":
          out[i] = rng.normal() * std;
          break;
        case "zero":
          out[i] = 0.02 * rng.normal();
          break;
        case "one":
          out[i] = 1 + 0.1 * rng.normal();
          break;
        case "bn-mean":
          out[i] = 0.1 * rng.normal();
          break;
        case "bn-var":
          out[i] = 0.5 + rng.next();
          break;
        case "small":
          out[i] = 0.1 * rng.normal();
          break;
      }
    }
    return out;
  }
}

/** Conv1d on [B, C, T]; `pad` defaults to 'same' for stride 1 ((k-1)/2 * dilation). */
export function conv1d(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  cin: number,
  cout: number,
  k: number,
  o: { dilation?: number; stride?: number; pad?: number; bias?: boolean; groups?: number } = {},
): string {
  const d = o.dilation ?? 1;
  const pad = o.pad ?? Math.floor((k - 1) / 2) * d;
  const groups = o.groups ?? 1;
  const wt = g.init(
    `${prefix}.weight`,
    [cout, cin / groups, k],
    w.take(`${prefix}.weight`, [cout, cin / groups, k], "he", (cin / groups) * k),
  );
  const ins = [x, wt];
  if (o.bias ?? true) ins.push(g.init(`${prefix}.bias`, [cout], w.take(`${prefix}.bias`, [cout], "zero")));
  return g.op("Conv", ins, {
    kernel_shape: [k],
    dilations: [d],
    strides: [o.stride ?? 1],
    pads: [pad, pad],
    group: groups,
  });
}

/** Conv2d on [B, C, H, W] with square kernel. */
export function conv2d(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  cin: number,
  cout: number,
  k: number,
  o: { stride?: number | [number, number]; pad?: number; bias?: boolean } = {},
): string {
  const pad = o.pad ?? Math.floor((k - 1) / 2);
  const s = typeof o.stride === "number" ? [o.stride, o.stride] : o.stride ?? [1, 1];
  const wt = g.init(
    `${prefix}.weight`,
    [cout, cin, k, k],
    w.take(`${prefix}.weight`, [cout, cin, k, k], "he", cin * k * k),
  );
  const ins = [x, wt];
  if (o.bias) ins.push(g.init(`${prefix}.bias`, [cout], w.take(`${prefix}.bias`, [cout], "zero")));
  return g.op("Conv", ins, { kernel_shape: [k, k], strides: s, pads: [pad, pad, pad, pad] });
}

/** BatchNorm (inference form, running statistics) over channel axis 1; `eps` as in PyTorch (1e-5). */
export function batchNorm(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  c: number,
  eps = 1e-5,
): string {
  const p = (n: string, init: "one" | "bn-mean" | "bn-var" | "small") =>
    g.init(`${prefix}.${n}`, [c], w.take(`${prefix}.${n}`, [c], init));
  return g.op("BatchNormalization", [
    x,
    p("weight", "one"),
    p("bias", "small"),
    p("running_mean", "bn-mean"),
    p("running_var", "bn-var"),
  ], {
    epsilon: f(eps),
  });
}

/** ReLU. */
export function relu(g: Graph, x: string): string {
  return g.op("Relu", [x]);
}

/** Linear on [B, in] (Gemm with the PyTorch [out, in] weight layout). */
export function linear(
  g: Graph,
  w: WeightSource,
  prefix: string,
  x: string,
  din: number,
  dout: number,
  bias = true,
): string {
  const wt = g.init(`${prefix}.weight`, [dout, din], w.take(`${prefix}.weight`, [dout, din], "he", din));
  const ins = [x, wt];
  if (bias) ins.push(g.init(`${prefix}.bias`, [dout], w.take(`${prefix}.bias`, [dout], "zero")));
  return g.op("Gemm", ins, { transB: 1 });
}

/**
 * Temporal statistics pooling over the last axis of [B, C, T] -> [B, 2C]: mean and standard deviation
 * (unbiased, + 1e-7 inside the sqrt, as WeSpeaker's TSTP; `unbiased=false` for Kaldi-style x-vectors).
 */
export function statsPool(g: Graph, x: string, unbiased = true, eps = 1e-7): string {
  const mean = g.op("ReduceMean", [x], { axes: [2], keepdims: 1 });
  const diff = g.op("Sub", [x, mean]);
  let v = g.op("ReduceMean", [g.op("Mul", [diff, diff])], { axes: [2], keepdims: 0 });
  if (unbiased) {
    // var * T / (T - 1), with T read from the input's shape at run time.
    const t = g.op("Cast", [g.op("Gather", [g.op("Shape", [x]), g.i64([2])], { axis: 0 })], { to: 1 });
    const one = g.f32([1]);
    v = g.op("Mul", [v, g.op("Div", [t, g.op("Sub", [t, one])])]);
  }
  const std = g.op("Sqrt", [g.op("Add", [v, g.f32([eps])])]);
  const m2 = g.op("Squeeze", [mean, g.i64([2])]);
  return g.op("Concat", [m2, std], { axis: 1 });
}

/** [B, T, F] -> [B, F, T]. */
export function transposeBTF(g: Graph, x: string): string {
  return g.op("Transpose", [x], { perm: [0, 2, 1] });
}
