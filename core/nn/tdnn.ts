/**
 * A small x-vector style TDNN: dilated 1-d convolutions (ReLU, batch norm), statistics pooling
 * (plain or attentive) and an embedding layer. Input [B, F, T] fbank, output [B, E].
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { Module } from "./module.ts";
import { BatchNorm1d, Conv1d, convReluBatchNorm, Linear } from "./layers.ts";
import { AttentiveStatsPooling, StatsPooling } from "./pooling.ts";
import { StatefulRng } from "./rng.ts";

/** Options of {@link Tdnn}. */
export interface TdnnConfig {
  inputDim: number;
  channels: number[];
  kernels: number[];
  dilations: number[];
  embedDim: number;
  pooling: "stats" | "attentive";
  /** Variance floor inside the std of stats pooling (default 1e-5; 1e-7 matches core/onnx's statspool). */
  poolEps?: number;
}

/** Frame layers → pooling → embedding. */
export class Tdnn extends Module {
  readonly convs: Conv1d[] = [];
  readonly bns: BatchNorm1d[] = [];
  readonly pool: Module;
  readonly embed: Linear;
  constructor(readonly cfg: TdnnConfig, rng: StatefulRng = new StatefulRng(0)) {
    super();
    const n = cfg.channels.length;
    if (cfg.kernels.length !== n || cfg.dilations.length !== n) {
      throw new RangeError(
        `Tdnn: channels, kernels and dilations need the same length (${n}, ${cfg.kernels.length}, ${cfg.dilations.length})`,
      );
    }
    let cin = cfg.inputDim;
    for (let i = 0; i < n; i++) {
      this.convs.push(
        this.addModule(
          `conv${i}`,
          new Conv1d(cin, cfg.channels[i], cfg.kernels[i], { dilation: cfg.dilations[i], rng }),
        ),
      );
      this.bns.push(this.addModule(`bn${i}`, new BatchNorm1d(cfg.channels[i])));
      cin = cfg.channels[i];
    }
    this.pool = this.addModule(
      "pool",
      cfg.pooling === "attentive" ? new AttentiveStatsPooling(cin, 64, rng) : new StatsPooling(),
    );
    this.embed = this.addModule("embed", new Linear(2 * cin, cfg.embedDim, { rng }));
  }
  /** Frame-level features [B, C, T'] before pooling. */
  frames(x: Tensor): Tensor {
    let y = x;
    // bn(relu(conv(y))) per layer, as one fused op
    for (let i = 0; i < this.convs.length; i++) y = convReluBatchNorm(this.convs[i], this.bns[i], y);
    return y;
  }
  forward(x: Tensor): Tensor {
    return this.embed.forward(this.pool.forward(this.frames(x)));
  }
}
