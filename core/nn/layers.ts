/**
 * Basic layers: linear, 1-d convolution (TDNN), batch/layer norm, activations, dropout, L2
 * normalisation, sequential and list containers. Initialisation follows PyTorch's defaults
 * (U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { l2normalize, leakyRelu, linear, relu, tanh } from "../autodiff/ops.ts";
import { batchNorm, conv1d, conv1dReluBatchNorm, dropout, layerNorm } from "../autodiff/layers_ops.ts";
import { Module, uniformInit } from "./module.ts";
import { StatefulRng } from "./rng.ts";

/** y = x Wᵀ + b over the last axis. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias?: Tensor;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean; rng?: StatefulRng } = {},
  ) {
    super();
    const rng = opts.rng ?? new StatefulRng(0);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.addParam("weight", uniformInit(outFeatures * inFeatures, bound, rng), [
      outFeatures,
      inFeatures,
    ]);
    if (opts.bias ?? true) {
      this.bias = this.addParam("bias", uniformInit(outFeatures, bound, rng), [outFeatures]);
    }
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Options of {@link Conv1d}. */
export interface Conv1dConfig {
  dilation?: number;
  stride?: number;
  /** Zero padding each side, or "same" (keeps the length at stride 1). */
  padding?: number | "same";
  bias?: boolean;
  rng?: StatefulRng;
}

/** 1-d convolution over [B, C, T]: a TDNN layer when dilated (x-vector context {-d, 0, d}). */
export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias?: Tensor;
  readonly dilation: number;
  readonly stride: number;
  readonly padding: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    opts: Conv1dConfig = {},
  ) {
    super();
    const rng = opts.rng ?? new StatefulRng(0);
    this.dilation = opts.dilation ?? 1;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding === "same" ? (this.dilation * (kernel - 1)) / 2 : opts.padding ?? 0;
    if (!Number.isInteger(this.padding)) {
      throw new RangeError(`Conv1d: padding 'same' needs an odd kernel, got ${kernel}`);
    }
    const bound = 1 / Math.sqrt(inChannels * kernel);
    this.weight = this.addParam("weight", uniformInit(outChannels * inChannels * kernel, bound, rng), [
      outChannels,
      inChannels,
      kernel,
    ]);
    if (opts.bias ?? true) {
      this.bias = this.addParam("bias", uniformInit(outChannels, bound, rng), [outChannels]);
    }
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, {
      dilation: this.dilation,
      stride: this.stride,
      padding: this.padding,
    });
  }
}

/** Batch norm over channels of [B, C] or [B, C, T]. */
export class BatchNorm1d extends Module {
  readonly weight?: Tensor;
  readonly bias?: Tensor;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  constructor(
    readonly channels: number,
    readonly opts: { eps?: number; momentum?: number; affine?: boolean } = {},
  ) {
    super();
    if (opts.affine ?? true) {
      this.weight = this.addParam("weight", new Float32Array(channels).fill(1), [channels]);
      this.bias = this.addParam("bias", new Float32Array(channels), [channels]);
    }
    this.runningMean = this.addBuffer("running_mean", new Float32Array(channels), [channels]);
    this.runningVar = this.addBuffer("running_var", new Float32Array(channels).fill(1), [channels]);
  }
  forward(x: Tensor): Tensor {
    return batchNorm(
      x,
      this.weight,
      this.bias,
      { mean: this.runningMean, var: this.runningVar },
      this.training,
      this.opts.momentum ?? 0.1,
      this.opts.eps ?? 1e-5,
    );
  }
}

/**
 * bn(relu(conv(x))), the TDNN block, as one fused op: the same values and gradients as calling
 * the three modules in turn, without materialising the conv output as a tensor.
 */
export function convReluBatchNorm(conv: Conv1d, bn: BatchNorm1d, x: Tensor): Tensor {
  return conv1dReluBatchNorm(
    x,
    conv.weight,
    conv.bias,
    bn.weight,
    bn.bias,
    { mean: bn.runningMean, var: bn.runningVar },
    bn.training,
    { dilation: conv.dilation, stride: conv.stride, padding: conv.padding },
    bn.opts.momentum ?? 0.1,
    bn.opts.eps ?? 1e-5,
  );
}

/** Layer norm over the last axis. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = this.addParam("weight", new Float32Array(dim).fill(1), [dim]);
    this.bias = this.addParam("bias", new Float32Array(dim), [dim]);
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
/** Leaky ReLU with a negative slope. */
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.slope);
  }
}
/** tanh. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}
/** Unit L2 norm along the last axis. */
export class L2Norm extends Module {
  forward(x: Tensor): Tensor {
    return l2normalize(x);
  }
}

/** Inverted dropout; masks come from a seeded generator (saved in checkpoints). */
export class Dropout extends Module {
  constructor(readonly p: number, readonly rng: StatefulRng) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return this.training ? dropout(x, this.p, () => this.rng.next()) : x;
  }
}

/** Applies modules in order; state-dict keys are "0.weight", "1.bias", ... */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.addModule(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

/**
 * Numbered sub-modules without a forward of their own (nn.ModuleList): state-dict keys "0.weight",
 * "1.weight", ... under the list's name; the owner calls the members itself.
 */
export class ModuleList extends Module {
  #size = 0;
  /** Registers `m` under the next index ("0", "1", ...) and returns it. */
  push<M extends Module>(m: M): M {
    return this.addModule(String(this.#size++), m);
  }
  /** The identity: a list only holds its members. */
  forward(x: Tensor): Tensor {
    return x;
  }
}
