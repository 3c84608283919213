/**
 * Trainable ResNet speaker embedder in WeSpeaker's layout (wespeaker/models/resnet.py): fbank
 * [B, F, T] -> [B, 1, F, T] -> conv3x3(1 -> m) + BN + ReLU -> four stages of BasicBlocks (widths
 * m, 2m, 4m, 8m; strides 1, 2, 2, 2; a 1x1 conv + BN shortcut where the shape changes) -> [B, 8m·F/8,
 * T/8] -> TSTP statistics pooling (mean; sqrt(unbiased var + 1e-7)) -> Linear `seg_1` -> embedding.
 * ResNet34 = blocks [3, 4, 6, 3], m = 32 (6.6 M parameters); `mChannels` 8 or 16 make it fit a
 * 2-core CPU (1/16 and 1/4 of the multiply-adds). `se` adds squeeze-and-excitation to every block
 * (ResNet34-SE as in the CRMI-DKU system; SE after bn2, before the residual sum, Hu et al. 2018) with
 * bottleneck channels/`seReduction`.
 *
 * State-dict keys match WeSpeaker's checkpoints and core/onnx/models/resnet.ts (front.conv1.weight,
 * front.layer2.0.shortcut.0.weight, seg_1.weight, ...; SE: front.layerL.B.se.linear1.weight).
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { add, relu, reshape } from "../autodiff/ops.ts";
import { meanStdPool } from "../autodiff/channel_ops.ts";
import { Module } from "./module.ts";
import { Linear, ModuleList } from "./layers.ts";
import { BatchNorm, Conv2d, SqueezeExcite } from "./conv2d_layers.ts";
import { StatefulRng } from "./rng.ts";

/** ResNet options (defaults: WeSpeaker ResNet34). */
export interface ResNetConfig {
  /** Fbank bins F (divisible by 8). */
  readonly featDim?: number;
  /** Width of the first stage m (WeSpeaker: 32). */
  readonly mChannels?: number;
  /** BasicBlocks per stage (ResNet34: [3, 4, 6, 3]; ResNet18: [2, 2, 2, 2]). */
  readonly blocks?: readonly number[];
  readonly embedDim?: number;
  /** Squeeze-and-excitation in every block. */
  readonly se?: boolean;
  /** SE bottleneck = max(1, floor(channels / seReduction)). */
  readonly seReduction?: number;
}

/** The SE bottleneck width for `channels` (shared with the ONNX builder's convention). */
export function seBottleneck(channels: number, reduction: number): number {
  return Math.max(1, Math.floor(channels / reduction));
}

/** WeSpeaker's BasicBlock (optionally with SE). */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly se?: SqueezeExcite;
  readonly shortcut?: { conv: Conv2d; bn: BatchNorm };
  constructor(cin: number, planes: number, stride: number, se: number, rng: StatefulRng) {
    super();
    this.conv1 = this.addModule("conv1", new Conv2d(cin, planes, 3, { stride, padding: 1, rng }));
    this.bn1 = this.addModule("bn1", new BatchNorm(planes));
    this.conv2 = this.addModule("conv2", new Conv2d(planes, planes, 3, { stride: 1, padding: 1, rng }));
    this.bn2 = this.addModule("bn2", new BatchNorm(planes));
    if (se > 0) this.se = this.addModule("se", new SqueezeExcite(planes, se, rng));
    if (stride !== 1 || cin !== planes) {
      const sc = this.addModule("shortcut", new ShortcutSeq(cin, planes, stride, rng));
      this.shortcut = { conv: sc.conv, bn: sc.bn };
    }
  }
  forward(x: Tensor): Tensor {
    let y = this.bn1.apply(this.conv1.forward(x), true);
    y = this.bn2.apply(this.conv2.forward(y));
    if (this.se) y = this.se.forward(y);
    const sc = this.shortcut ? this.shortcut.bn.apply(this.shortcut.conv.forward(x)) : x;
    return relu(add(y, sc));
  }
}

/** The projection shortcut: keys `0` (1x1 conv, no bias) and `1` (BN), as nn.Sequential names them. */
class ShortcutSeq extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;
  constructor(cin: number, planes: number, stride: number, rng: StatefulRng) {
    super();
    this.conv = this.addModule("0", new Conv2d(cin, planes, 1, { stride, rng }));
    this.bn = this.addModule("1", new BatchNorm(planes));
  }
  forward(x: Tensor): Tensor {
    return this.bn.apply(this.conv.forward(x));
  }
}

/** The convolutional front (`front.` in WeSpeaker's exported state dicts). */
class ResNetFront extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly stages: BasicBlock[][] = [];
  readonly outChannels: number;
  constructor(m: number, blocks: readonly number[], se: boolean, seReduction: number, rng: StatefulRng) {
    super();
    this.conv1 = this.addModule("conv1", new Conv2d(1, m, 3, { padding: 1, rng }));
    this.bn1 = this.addModule("bn1", new BatchNorm(m));
    let cin = m;
    blocks.forEach((n, li) => {
      const planes = m * 2 ** li, stage: BasicBlock[] = [];
      const seq = this.addModule(`layer${li + 1}`, new ModuleList()); // nn.Sequential's keys "0", "1", ...
      for (let b = 0; b < n; b++) {
        const stride = b === 0 && li > 0 ? 2 : 1;
        const blk = new BasicBlock(cin, planes, stride, se ? seBottleneck(planes, seReduction) : 0, rng);
        stage.push(seq.push(blk));
        cin = planes;
      }
      this.stages.push(stage);
    });
    this.outChannels = cin;
  }
  forward(x: Tensor): Tensor {
    let y = this.bn1.apply(this.conv1.forward(x), true);
    for (const stage of this.stages) for (const b of stage) y = b.forward(y);
    return y;
  }
}

/** ResNet embedder: [B, F, T] fbank -> [B, embedDim]. */
export class ResNet extends Module {
  readonly front: ResNetFront;
  readonly seg1: Linear;
  readonly cfg: Required<ResNetConfig>;
  constructor(cfg: ResNetConfig = {}, rng: StatefulRng = new StatefulRng(0)) {
    super();
    this.cfg = {
      featDim: cfg.featDim ?? 80,
      mChannels: cfg.mChannels ?? 32,
      blocks: [...(cfg.blocks ?? [3, 4, 6, 3])],
      embedDim: cfg.embedDim ?? 256,
      se: cfg.se ?? false,
      seReduction: cfg.seReduction ?? 8,
    };
    const { featDim, mChannels, blocks } = this.cfg;
    const down = 2 ** (blocks.length - 1);
    if (featDim % down) throw new RangeError(`ResNet: featDim ${featDim} must be divisible by ${down}`);
    this.front = this.addModule(
      "front",
      new ResNetFront(mChannels, blocks, this.cfg.se, this.cfg.seReduction, rng),
    );
    const statsDim = (featDim / down) * this.front.outChannels;
    this.seg1 = this.addModule("seg_1", new Linear(2 * statsDim, this.cfg.embedDim, { rng }));
  }
  /** Frame-level maps [B, C, F/8, T/8]. */
  frames(x: Tensor): Tensor {
    if (x.shape.length !== 3 || x.shape[1] !== this.cfg.featDim) {
      throw new RangeError(`ResNet: input must be [B, ${this.cfg.featDim}, T], got [${x.shape}]`);
    }
    const [B, F, T] = x.shape;
    return this.front.forward(reshape(x, [B, 1, F, T]));
  }
  forward(x: Tensor): Tensor {
    const y = this.frames(x);
    const [B, C, F, T] = y.shape;
    return this.seg1.forward(meanStdPool(reshape(y, [B, C * F, T]), { unbiased: true, eps: 1e-7 }));
  }
}
