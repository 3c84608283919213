/**
 * Temporal pooling of frame-level features [B, C, T] into one vector per segment.
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { clamp, concat, mul, sqrt, square, sub, sum, tanh } from "../autodiff/ops.ts";
import { softmax } from "../autodiff/ops.ts";
import { statsPool } from "../autodiff/layers_ops.ts";
import { Module } from "./module.ts";
import { Conv1d } from "./layers.ts";
import { StatefulRng } from "./rng.ts";

/** x-vector statistics pooling: [mean; std] over time, std = sqrt(var + eps) (biased variance). */
export class StatsPooling extends Module {
  constructor(readonly eps = 1e-5) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (x.shape.length !== 3) {
      throw new RangeError(`StatsPooling: expects [batch, channels, time], got [${x.shape}]`);
    }
    return statsPool(x, this.eps); // fused: mean and sqrt(var + eps) over time in one pass
  }
}

/**
 * Attentive statistics pooling (ECAPA-TDNN, channel-dependent): w = softmax_t(W2 tanh(W1 x)),
 * mu = Σ_t w x, sigma = sqrt(max(Σ_t w x² - mu², 1e-4)); output [mu; sigma].
 */
export class AttentiveStatsPooling extends Module {
  readonly att1: Conv1d;
  readonly att2: Conv1d;
  constructor(readonly channels: number, readonly attDim = 128, rng: StatefulRng = new StatefulRng(0)) {
    super();
    this.att1 = this.addModule("att1", new Conv1d(channels, attDim, 1, { rng }));
    this.att2 = this.addModule("att2", new Conv1d(attDim, channels, 1, { rng }));
  }
  forward(x: Tensor): Tensor {
    const w = softmax(this.att2.forward(tanh(this.att1.forward(x)))); // softmax over T (last axis)
    const mu = sum(mul(x, w), 2);
    const ex2 = sum(mul(square(x), w), 2);
    const sg = sqrt(clamp(sub(ex2, square(mu)), 1e-4));
    return concat([mu, sg], 1);
  }
}
