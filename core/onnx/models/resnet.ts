/**
 * WeSpeaker ResNet34 (wespeaker/models/resnet.py): `feats` [B, T, 80] -> [B, 1, 80, T]; conv3x3 to
 * m_channels=32; BasicBlock stages [3, 4, 6, 3] with widths 32/64/128/256 and strides 1/2/2/2; TSTP
 * statistics pooling over time of the [B, 256*10, T/8] map; `seg_1` Linear(5120, 256) -> `embs`.
 * Weight names follow the PyTorch state dict (front.layer2.0.shortcut.0.weight, ...). `se` adds
 * squeeze-and-excitation after bn2 of every block (ResNet34-SE; front.layerL.B.se.linear1/linear2,
 * bottleneck max(1, floor(planes / seReduction)), as core/nn/resnet.ts). Weights are seeded random, or
 * a trained module's state dict (`state`: export of core/nn/resnet.ts through core/onnx/export.ts).
 * @module
 */
import { type Graph, Graph as G } from "../writer.ts";
import { batchNorm, conv2d, linear, relu, type StateDict, statsPool, WeightSource } from "../layers.ts";
import { Rng } from "../../random.ts";
import { type BuiltModel, wespeakerMetadata, wespeakerModel } from "./common.ts";

/** ResNet options (defaults: ResNet34 as in WeSpeaker's voxceleb recipe). */
export interface ResNetOptions {
  readonly featDim?: number;
  readonly mChannels?: number;
  readonly blocks?: readonly number[];
  readonly embedDim?: number;
  readonly seed?: number;
  /** Squeeze-and-excitation in every block (ResNet34-SE). */
  readonly se?: boolean;
  /** SE bottleneck = max(1, floor(planes / seReduction)); default 8. */
  readonly seReduction?: number;
  /** Trained weights (state-dict names) instead of seeded random ones. */
  readonly state?: StateDict;
  /** Metadata entries to add or override (e.g. url, comment of a trained model). */
  readonly metadata?: Record<string, string>;
}

function seBlock(g: Graph, w: WeightSource, p: string, x: string, c: number, hidden: number): string {
  let s = g.op("ReduceMean", [x], { axes: [2, 3], keepdims: 0 });
  s = relu(g, linear(g, w, `${p}.linear1`, s, c, hidden));
  s = g.op("Sigmoid", [linear(g, w, `${p}.linear2`, s, hidden, c)]);
  return g.op("Mul", [x, g.op("Unsqueeze", [s, g.i64([2, 3])])]);
}

/** Builds a WeSpeaker-style ResNet (ResNet34 by default) with seeded random weights. */
export function buildResNet(o: ResNetOptions = {}): BuiltModel {
  const featDim = o.featDim ?? 80,
    m = o.mChannels ?? 32,
    blocks = o.blocks ?? [3, 4, 6, 3],
    emb = o.embedDim ?? 256;
  const seed = o.seed ?? 1, seReduction = o.seReduction ?? 8;
  const down = 2 ** (blocks.length - 1);
  if (featDim % down) throw new RangeError(`ResNet: featDim ${featDim} must be divisible by ${down}`);
  const w = o.state ? new WeightSource(undefined, o.state) : new WeightSource(new Rng(seed));
  const g = new G("resnet");
  const feats = g.input("feats", ["B", "T", featDim]);
  // (B,T,F) -> (B,F,T) -> (B,1,F,T)
  let x = g.op("Unsqueeze", [g.op("Transpose", [feats], { perm: [0, 2, 1] }), g.i64([1])]);
  x = relu(g, batchNorm(g, w, "front.bn1", conv2d(g, w, "front.conv1", x, 1, m, 3), m));
  let cin = m;
  blocks.forEach((n, li) => {
    const planes = m * 2 ** li;
    for (let b = 0; b < n; b++) {
      const stride = b === 0 && li > 0 ? 2 : 1;
      const p = `front.layer${li + 1}.${b}`;
      let y = relu(
        g,
        batchNorm(g, w, `${p}.bn1`, conv2d(g, w, `${p}.conv1`, x, cin, planes, 3, { stride }), planes),
      );
      y = batchNorm(g, w, `${p}.bn2`, conv2d(g, w, `${p}.conv2`, y, planes, planes, 3), planes);
      if (o.se) y = seBlock(g, w, `${p}.se`, y, planes, Math.max(1, Math.floor(planes / seReduction)));
      let sc = x;
      if (stride !== 1 || cin !== planes) {
        sc = batchNorm(
          g,
          w,
          `${p}.shortcut.1`,
          conv2d(g, w, `${p}.shortcut.0`, x, cin, planes, 1, { stride, pad: 0 }),
          planes,
        );
      }
      x = relu(g, g.op("Add", [y, sc]));
      cin = planes;
    }
  });
  const statsDim = (featDim / down) * cin;
  x = g.op("Reshape", [x, g.i64([0, statsDim, -1])]);
  const pooled = statsPool(g, x);
  g.output(linear(g, w, "seg_1", pooled, 2 * statsDim, emb), "embs", ["B", emb]);
  const name = (blocks.join() === "3,4,6,3" && m === 32 ? "ResNet34" : `ResNet[${blocks}] m=${m}`) +
    (o.se ? "-SE" : "");
  const metadata = { ...wespeakerMetadata(emb, `WeSpeaker ${name}`, seed), ...o.metadata };
  return wespeakerModel(g, emb, metadata);
}
