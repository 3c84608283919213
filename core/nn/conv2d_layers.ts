/**
 * Layers over [B, C, ...] feature maps: a 2-d convolution (PyTorch's Conv2d: weight [Cout, Cin, KH,
 * KW], default initialisation U(±1/√fan_in)), a batch norm over channel axis 1 of any rank
 * (BatchNorm1d/2d, state-dict keys weight, bias, running_mean, running_var), and
 * squeeze-and-excitation (Hu et al., CVPR 2018: mean over the trailing axes -> Linear -> ReLU ->
 * Linear -> sigmoid -> per-channel scale; keys linear1, linear2 as in WeSpeaker's SE_Connect).
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { linear, relu, sigmoid } from "../autodiff/ops.ts";
import { conv2d } from "../autodiff/conv2d.ts";
import { batchNormNd, channelMean, channelScale } from "../autodiff/channel_ops.ts";
import { Module, uniformInit } from "./module.ts";
import { Linear } from "./layers.ts";
import { StatefulRng } from "./rng.ts";

/** 2-d convolution over [B, Cin, H, W] with a square kernel. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias?: Tensor;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    readonly opts: { stride?: number; padding?: number; bias?: boolean; rng?: StatefulRng } = {},
  ) {
    super();
    const rng = opts.rng ?? new StatefulRng(0);
    const fanIn = inChannels * kernel * kernel, bound = 1 / Math.sqrt(fanIn);
    this.weight = this.addParam("weight", uniformInit(outChannels * fanIn, bound, rng), [
      outChannels,
      inChannels,
      kernel,
      kernel,
    ]);
    if (opts.bias) this.bias = this.addParam("bias", uniformInit(outChannels, bound, rng), [outChannels]);
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.opts.stride ?? 1,
      padding: this.opts.padding ?? 0,
    });
  }
}

/** Batch norm over channel axis 1 of [B, C, ...] (BatchNorm1d and BatchNorm2d), optional ReLU after. */
export class BatchNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  constructor(readonly channels: number, readonly opts: { eps?: number; momentum?: number } = {}) {
    super();
    this.weight = this.addParam("weight", new Float32Array(channels).fill(1), [channels]);
    this.bias = this.addParam("bias", new Float32Array(channels), [channels]);
    this.runningMean = this.addBuffer("running_mean", new Float32Array(channels), [channels]);
    this.runningVar = this.addBuffer("running_var", new Float32Array(channels).fill(1), [channels]);
  }
  /** bn(x), or relu(bn(x)) as one op. */
  apply(x: Tensor, withRelu = false): Tensor {
    return batchNormNd(
      x,
      this.weight,
      this.bias,
      { mean: this.runningMean, var: this.runningVar },
      this.training,
      {
        relu: withRelu,
        momentum: this.opts.momentum ?? 0.1,
        eps: this.opts.eps ?? 1e-5,
      },
    );
  }
  forward(x: Tensor): Tensor {
    return this.apply(x);
  }
}

/** Squeeze-and-excitation over [B, C, ...]: x · sigmoid(W2 relu(W1 mean(x))). */
export class SqueezeExcite extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  constructor(readonly channels: number, readonly bottleneck: number, rng: StatefulRng = new StatefulRng(0)) {
    super();
    this.linear1 = this.addModule("linear1", new Linear(channels, bottleneck, { rng }));
    this.linear2 = this.addModule("linear2", new Linear(bottleneck, channels, { rng }));
  }
  forward(x: Tensor): Tensor {
    const s = relu(linear(channelMean(x), this.linear1.weight, this.linear1.bias));
    return channelScale(x, sigmoid(linear(s, this.linear2.weight, this.linear2.bias)));
  }
}
