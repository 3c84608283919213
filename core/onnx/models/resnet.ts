/**
 * WeSpeaker ResNet34 (wespeaker/models/resnet.py): `feats` [B, T, 80] -> [B, 1, 80, T]; conv3x3 to
 * m_channels=32; BasicBlock stages [3, 4, 6, 3] with widths 32/64/128/256 and strides 1/2/2/2; TSTP
 * statistics pooling over time of the [B, 256*10, T/8] map; `seg_1` Linear(5120, 256) -> `embs`.
 * Weight names follow the PyTorch state dict (front.layer2.0.shortcut.0.weight, ...).
 * @module
 */
import { Graph } from "../writer.ts";
import { batchNorm, conv2d, linear, relu, statsPool, WeightSource } from "../layers.ts";
import { Rng } from "../../random.ts";
import { type BuiltModel, wespeakerMetadata } from "./common.ts";

/** ResNet options (defaults: ResNet34 as in WeSpeaker's voxceleb recipe). */
export interface ResNetOptions {
  readonly featDim?: number;
  readonly mChannels?: number;
  readonly blocks?: readonly number[];
  readonly embedDim?: number;
  readonly seed?: number;
}

/** Builds a WeSpeaker-style ResNet (ResNet34 by default) with seeded random weights. */
export function buildResNet(o: ResNetOptions = {}): BuiltModel {
  const featDim = o.featDim ?? 80,
    m = o.mChannels ?? 32,
    blocks = o.blocks ?? [3, 4, 6, 3],
    emb = o.embedDim ?? 256;
  const seed = o.seed ?? 1;
  if (featDim % 8) throw new RangeError(`ResNet: featDim ${featDim} must be divisible by 8`);
  const w = new WeightSource(new Rng(seed));
  const g = new Graph("resnet");
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
  const statsDim = (featDim / 2 ** (blocks.length - 1)) * cin;
  x = g.op("Reshape", [x, g.i64([0, statsDim, -1])]);
  const pooled = statsPool(g, x);
  g.output(linear(g, w, "seg_1", pooled, 2 * statsDim, emb), "embs", ["B", emb]);
  const name = blocks.join() === "3,4,6,3" && m === 32 ? "ResNet34" : `ResNet[${blocks}] m=${m}`;
  const metadata = wespeakerMetadata(emb, `WeSpeaker ${name}`, seed);
  return {
    bytes: g.encode({ metadata }),
    inputName: "feats",
    outputName: "embs",
    embedDim: emb,
    parameters: g.parameterCount,
    metadata,
  };
}
