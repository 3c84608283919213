/**
 * Trainable ECAPA-TDNN (Desplanques et al., Interspeech 2020) in the layout of WeSpeaker's
 * ecapa_tdnn.py and of core/onnx/models/ecapa.ts (which exports it): fbank [B, F, T] ->
 * Conv1dReluBn(F, C, k5) -> three SE-Res2Blocks (Conv1dReluBn k1 -> Res2Net k3 with dilation 2/3/4 and
 * `scale` groups, each conv -> ReLU -> BN -> Conv1dReluBn k1 -> SE) with residual sums, whose inputs
 * are the sums of all earlier block outputs (layer3 gets out1 + out2, layer4 out1 + out2 + out3, as
 * the lawlict/ECAPA-TDNN code WeSpeaker adapted) -> concat(out2, out3, out4) -> Conv1d(3C, mfa, k1) +
 * ReLU -> attentive statistics pooling with global context (WeSpeaker ASTP, global_context_att=True:
 * attention over [x; mean; std] with tanh, softmax over time, std = sqrt(max(var, 1e-7))) -> BN ->
 * Linear -> embedding. C = 512 and 1024 are the published widths; smaller C fits a 2-core CPU.
 *
 * State-dict keys: layer1.conv.weight, layer2.1.convs.0.weight, layer2.3.linear1.weight,
 * pool.linear1.weight, bn.running_mean, linear.weight, ...
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import {
  add,
  clamp,
  concat,
  mul,
  relu,
  slice,
  softmax,
  sqrt,
  square,
  sub,
  sum,
  tanh,
} from "../autodiff/ops.ts";
import { expandLast, meanStdPool } from "../autodiff/channel_ops.ts";
import { Module } from "./module.ts";
import { BatchNorm1d, Conv1d, convReluBatchNorm, Linear, ModuleList } from "./layers.ts";
import { SqueezeExcite } from "./conv2d_layers.ts";
import { StatefulRng } from "./rng.ts";

/** ECAPA sizes (defaults: WeSpeaker ECAPA_TDNN_GLOB_c512). */
export interface EcapaConfig {
  readonly featDim?: number;
  /** Channels C of the SE-Res2Blocks. */
  readonly channels?: number;
  /** Channels of the multi-layer feature aggregation conv (1536 in WeSpeaker). */
  readonly mfaChannels?: number;
  /** Bottleneck of the attention (128). */
  readonly attentionDim?: number;
  /** Bottleneck of the SE blocks (128). */
  readonly seDim?: number;
  /** Res2Net groups (8). */
  readonly scale?: number;
  readonly embedDim?: number;
}

/** conv -> ReLU -> BN (WeSpeaker's Conv1dReluBn), keys `conv`, `bn`. */
export class Conv1dReluBn extends Module {
  readonly conv: Conv1d;
  readonly bn: BatchNorm1d;
  constructor(cin: number, cout: number, k: number, dilation: number, rng: StatefulRng) {
    super();
    this.conv = this.addModule("conv", new Conv1d(cin, cout, k, { dilation, padding: "same", rng }));
    this.bn = this.addModule("bn", new BatchNorm1d(cout));
  }
  forward(x: Tensor): Tensor {
    return convReluBatchNorm(this.conv, this.bn, x);
  }
}

/** Res2Net conv (keys convs.i, bns.i): split into `scale` groups, group i sees group i−1's output. */
export class Res2Conv1dReluBn extends Module {
  readonly convs: Conv1d[] = [];
  readonly bns: BatchNorm1d[] = [];
  readonly width: number;
  constructor(
    readonly channels: number,
    k: number,
    dilation: number,
    readonly scale: number,
    rng: StatefulRng,
  ) {
    super();
    if (channels % scale) throw new RangeError(`ECAPA: channels ${channels} not divisible by scale ${scale}`);
    this.width = channels / scale;
    const convs = this.addModule("convs", new ModuleList()), bns = this.addModule("bns", new ModuleList());
    for (let i = 0; i < scale - 1; i++) {
      this.convs.push(convs.push(new Conv1d(this.width, this.width, k, { dilation, padding: "same", rng })));
      this.bns.push(bns.push(new BatchNorm1d(this.width)));
    }
  }
  forward(x: Tensor): Tensor {
    const w = this.width, out: Tensor[] = [];
    let sp: Tensor | null = null;
    for (let i = 0; i < this.scale - 1; i++) {
      const part = slice(x, 1, i * w, (i + 1) * w);
      sp = convReluBatchNorm(this.convs[i], this.bns[i], sp ? add(sp, part) : part);
      out.push(sp);
    }
    out.push(slice(x, 1, (this.scale - 1) * w, this.scale * w));
    return concat(out, 1);
  }
}

/** SE-Res2Block: x + SE(Conv1dReluBn(Res2(Conv1dReluBn(x)))), keys 0, 1, 2, 3. */
export class SeRes2Block extends Module {
  readonly pre: Conv1dReluBn;
  readonly res2: Res2Conv1dReluBn;
  readonly post: Conv1dReluBn;
  readonly se: SqueezeExcite;
  constructor(c: number, dilation: number, scale: number, seDim: number, rng: StatefulRng) {
    super();
    this.pre = this.addModule("0", new Conv1dReluBn(c, c, 1, 1, rng));
    this.res2 = this.addModule("1", new Res2Conv1dReluBn(c, 3, dilation, scale, rng));
    this.post = this.addModule("2", new Conv1dReluBn(c, c, 1, 1, rng));
    this.se = this.addModule("3", new SqueezeExcite(c, seDim, rng));
  }
  forward(x: Tensor): Tensor {
    return add(this.se.forward(this.post.forward(this.res2.forward(this.pre.forward(x)))), x);
  }
}

/** Attentive statistics pooling with global context (keys linear1, linear2: 1x1 convs). */
export class ContextAttentiveStatsPool extends Module {
  readonly linear1: Conv1d;
  readonly linear2: Conv1d;
  constructor(readonly channels: number, bottleneck: number, rng: StatefulRng) {
    super();
    this.linear1 = this.addModule("linear1", new Conv1d(3 * channels, bottleneck, 1, { rng }));
    this.linear2 = this.addModule("linear2", new Conv1d(bottleneck, channels, 1, { rng }));
  }
  forward(x: Tensor): Tensor {
    const [, C, T] = x.shape;
    const ms = meanStdPool(x, { unbiased: true, eps: 1e-7 });
    const ctx = [expandLast(slice(ms, 1, 0, C), T), expandLast(slice(ms, 1, C, 2 * C), T)];
    const a = softmax(this.linear2.forward(tanh(this.linear1.forward(concat([x, ...ctx], 1)))));
    const mean = sum(mul(a, x), 2);
    const variance = sub(sum(mul(a, square(x)), 2), square(mean));
    return concat([mean, sqrt(clamp(variance, 1e-7))], 1);
  }
}

/** ECAPA-TDNN embedder: [B, F, T] fbank -> [B, embedDim]. */
export class EcapaTdnn extends Module {
  readonly layer1: Conv1dReluBn;
  readonly blocks: SeRes2Block[];
  readonly conv: Conv1d;
  readonly pool: ContextAttentiveStatsPool;
  readonly bn: BatchNorm1d;
  readonly linear: Linear;
  readonly cfg: Required<EcapaConfig>;
  constructor(cfg: EcapaConfig = {}, rng: StatefulRng = new StatefulRng(0)) {
    super();
    this.cfg = {
      featDim: cfg.featDim ?? 80,
      channels: cfg.channels ?? 512,
      mfaChannels: cfg.mfaChannels ?? 1536,
      attentionDim: cfg.attentionDim ?? 128,
      seDim: cfg.seDim ?? 128,
      scale: cfg.scale ?? 8,
      embedDim: cfg.embedDim ?? 192,
    };
    const { featDim: F, channels: c, mfaChannels: mfa, scale } = this.cfg;
    this.layer1 = this.addModule("layer1", new Conv1dReluBn(F, c, 5, 1, rng));
    this.blocks = [2, 3, 4].map((d) =>
      this.addModule(`layer${d}`, new SeRes2Block(c, d, scale, this.cfg.seDim, rng))
    );
    this.conv = this.addModule("conv", new Conv1d(3 * c, mfa, 1, { rng }));
    this.pool = this.addModule("pool", new ContextAttentiveStatsPool(mfa, this.cfg.attentionDim, rng));
    this.bn = this.addModule("bn", new BatchNorm1d(2 * mfa));
    this.linear = this.addModule("linear", new Linear(2 * mfa, this.cfg.embedDim, { rng }));
  }
  /** Frame-level features after the aggregation conv, [B, mfa, T]. */
  frames(x: Tensor): Tensor {
    if (x.shape.length !== 3 || x.shape[1] !== this.cfg.featDim) {
      throw new RangeError(`ECAPA: input must be [B, ${this.cfg.featDim}, T], got [${x.shape}]`);
    }
    const out1 = this.layer1.forward(x);
    const out2 = this.blocks[0].forward(out1);
    const s12 = add(out1, out2);
    const out3 = this.blocks[1].forward(s12);
    const out4 = this.blocks[2].forward(add(s12, out3));
    return relu(this.conv.forward(concat([out2, out3, out4], 1)));
  }
  forward(x: Tensor): Tensor {
    return this.linear.forward(this.bn.forward(this.pool.forward(this.frames(x))));
  }
}
