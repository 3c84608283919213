/**
 * ECAPA-TDNN as in WeSpeaker (wespeaker/models/ecapa_tdnn.py): Conv1dReluBn(80, C, k5) ->
 * three SE-Res2Blocks (k3, dilation 2/3/4, scale 8) with dense residual sums -> Conv1d(3C, 1536, k1) +
 * ReLU -> attentive statistics pooling with global context (bottleneck 128) -> BN -> Linear(3072, 192).
 * `feats` [B, T, 80] -> `embs` [B, 192]. C=512 and C=1024 are the published sizes. Weights are seeded
 * random, or a trained module's state dict (`state`: export of core/nn/ecapa.ts via core/onnx/export.ts).
 * @module
 */
import { type Graph, Graph as G } from "../writer.ts";
import { batchNorm, conv1d, linear, relu, type StateDict, transposeBTF, WeightSource } from "../layers.ts";
import { Rng } from "../../random.ts";
import type { EcapaConfig } from "../../nn/ecapa.ts";
import { type BuiltModel, wespeakerMetadata, wespeakerModel } from "./common.ts";

/** ECAPA sizes, the trainable module's (defaults: WeSpeaker ECAPA_TDNN_c512), and how to fill the weights. */
export interface EcapaOptions extends EcapaConfig {
  /** Seed of the random weights (when no `state` is given). */
  readonly seed?: number;
  /** Trained weights (state-dict names) instead of seeded random ones. */
  readonly state?: StateDict;
  /** Metadata entries to add or override (e.g. url, comment of a trained model). */
  readonly metadata?: Record<string, string>;
}

function conv1dReluBn(
  g: Graph,
  w: WeightSource,
  p: string,
  x: string,
  cin: number,
  cout: number,
  k: number,
  dilation = 1,
): string {
  return batchNorm(g, w, `${p}.bn`, relu(g, conv1d(g, w, `${p}.conv`, x, cin, cout, k, { dilation })), cout);
}

function res2(
  g: Graph,
  w: WeightSource,
  p: string,
  x: string,
  c: number,
  k: number,
  dilation: number,
  scale: number,
): string {
  const width = c / scale;
  const parts = g.opMulti("Split", [x, g.i64(Array(scale).fill(width))], { axis: 1 }, scale);
  const out: string[] = [];
  let sp = "";
  for (let i = 0; i < scale - 1; i++) {
    sp = i === 0 ? parts[0] : g.op("Add", [sp, parts[i]]);
    sp = conv1d(g, w, `${p}.convs.${i}`, sp, width, width, k, { dilation });
    sp = batchNorm(g, w, `${p}.bns.${i}`, relu(g, sp), width);
    out.push(sp);
  }
  out.push(parts[scale - 1]);
  return g.op("Concat", out, { axis: 1 });
}

function seConnect(g: Graph, w: WeightSource, p: string, x: string, c: number, bottleneck: number): string {
  let s = g.op("ReduceMean", [x], { axes: [2], keepdims: 0 });
  s = relu(g, linear(g, w, `${p}.linear1`, s, c, bottleneck));
  s = g.op("Sigmoid", [linear(g, w, `${p}.linear2`, s, bottleneck, c)]);
  return g.op("Mul", [x, g.op("Unsqueeze", [s, g.i64([2])])]);
}

/** Mean and sqrt(unbiased var + 1e-7) over time, kept as [B, C, 1]. */
function meanStdKeep(g: Graph, x: string): [string, string] {
  const mean = g.op("ReduceMean", [x], { axes: [2], keepdims: 1 });
  const d = g.op("Sub", [x, mean]);
  const t = g.op("Cast", [g.op("Gather", [g.op("Shape", [x]), g.i64([2])], { axis: 0 })], { to: 1 });
  const v = g.op("Mul", [
    g.op("ReduceMean", [g.op("Mul", [d, d])], { axes: [2], keepdims: 1 }),
    g.op("Div", [t, g.op("Sub", [t, g.f32([1])])]),
  ]);
  return [mean, g.op("Sqrt", [g.op("Add", [v, g.f32([1e-7])])])];
}

/** Attentive statistics pooling with global context (WeSpeaker ASTP, global_context_att=True). */
function astp(g: Graph, w: WeightSource, x: string, c: number, bottleneck: number): string {
  const shape = g.op("Shape", [x]);
  const [m, s] = meanStdKeep(g, x);
  const xin = g.op("Concat", [x, g.op("Expand", [m, shape]), g.op("Expand", [s, shape])], { axis: 1 });
  let a = g.op("Tanh", [conv1d(g, w, "pool.linear1", xin, 3 * c, bottleneck, 1)]);
  a = g.op("Softmax", [conv1d(g, w, "pool.linear2", a, bottleneck, c, 1)], { axis: 2 });
  const mean = g.op("ReduceSum", [g.op("Mul", [a, x]), g.i64([2])], { keepdims: 0 });
  const sq = g.op("ReduceSum", [g.op("Mul", [a, g.op("Mul", [x, x])]), g.i64([2])], { keepdims: 0 });
  const variance = g.op("Max", [g.op("Sub", [sq, g.op("Mul", [mean, mean])]), g.f32([1e-7])]);
  return g.op("Concat", [mean, g.op("Sqrt", [variance])], { axis: 1 });
}

/** Builds ECAPA-TDNN with seeded random weights. */
export function buildEcapa(o: EcapaOptions = {}): BuiltModel {
  const featDim = o.featDim ?? 80,
    c = o.channels ?? 512,
    mfa = o.mfaChannels ?? 1536,
    att = o.attentionDim ?? 128;
  const se = o.seDim ?? 128, scale = o.scale ?? 8, emb = o.embedDim ?? 192, seed = o.seed ?? 1;
  if (c % scale) throw new RangeError(`ECAPA: channels ${c} must be divisible by scale ${scale}`);
  const w = o.state ? new WeightSource(undefined, o.state) : new WeightSource(new Rng(seed));
  const g = new G("ecapa_tdnn");
  const x = transposeBTF(g, g.input("feats", ["B", "T", featDim]));
  const out1 = conv1dReluBn(g, w, "layer1", x, featDim, c, 5);
  const block = (p: string, inp: string, d: number) => {
    let y = conv1dReluBn(g, w, `${p}.0`, inp, c, c, 1);
    y = res2(g, w, `${p}.1`, y, c, 3, d, scale);
    y = conv1dReluBn(g, w, `${p}.2`, y, c, c, 1);
    return seConnect(g, w, `${p}.3`, y, c, se);
  };
  const out2 = g.op("Add", [block("layer2", out1, 2), out1]);
  const s12 = g.op("Add", [out1, out2]);
  const out3 = g.op("Add", [block("layer3", s12, 3), s12]);
  const s123 = g.op("Add", [s12, out3]);
  const out4 = g.op("Add", [block("layer4", s123, 4), s123]);
  const cat = g.op("Concat", [out2, out3, out4], { axis: 1 });
  const h = relu(g, conv1d(g, w, "conv", cat, 3 * c, mfa, 1));
  const pooled = batchNorm(g, w, "bn", astp(g, w, h, mfa, att), 2 * mfa);
  g.output(linear(g, w, "linear", pooled, 2 * mfa, emb), "embs", ["B", emb]);
  const metadata = { ...wespeakerMetadata(emb, `WeSpeaker ECAPA-TDNN C=${c}`, seed), ...o.metadata };
  return wespeakerModel(g, emb, metadata);
}
