/**
 * Multi-head self-attention and the conformer-lite block used as the DRLM (diarization
 * representation learning model) of the self-supervised diarization paper: MHSA + convolution
 * module + feed-forward, each residual, then statistics pooling to one embedding per segment.
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { add, bmm, permute, relu, reshape, scale, softmax } from "../autodiff/ops.ts";
import { Module } from "./module.ts";
import { BatchNorm1d, Conv1d, Dropout, LayerNorm, Linear } from "./layers.ts";
import { StatsPooling } from "./pooling.ts";
import { StatefulRng } from "./rng.ts";

/** Scaled dot-product self-attention over [B, T, D] with `heads` heads. */
export class MultiHeadSelfAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly headDim: number;
  constructor(readonly dim: number, readonly heads: number, rng: StatefulRng = new StatefulRng(0)) {
    super();
    if (dim % heads !== 0) {
      throw new RangeError(`MultiHeadSelfAttention: dim ${dim} is not divisible by ${heads} heads`);
    }
    this.headDim = dim / heads;
    this.q = this.addModule("q", new Linear(dim, dim, { rng }));
    this.k = this.addModule("k", new Linear(dim, dim, { rng }));
    this.v = this.addModule("v", new Linear(dim, dim, { rng }));
    this.out = this.addModule("out", new Linear(dim, dim, { rng }));
  }
  forward(x: Tensor): Tensor {
    const [B, T, D] = x.shape;
    const H = this.heads, dh = this.headDim;
    const split = (t: Tensor) => reshape(permute(reshape(t, [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]);
    const q = split(this.q.forward(x)), k = split(this.k.forward(x)), v = split(this.v.forward(x));
    const att = softmax(scale(bmm(q, k, true), 1 / Math.sqrt(dh)));
    const ctx = reshape(permute(reshape(bmm(att, v), [B, H, T, dh]), [0, 2, 1, 3]), [B, T, D]);
    return this.out.forward(ctx);
  }
}

/** Options of {@link ConformerLiteBlock}. */
export interface ConformerLiteConfig {
  dim: number;
  heads: number;
  /** Kernel of the convolution module (odd). */
  kernel: number;
  /** Hidden width of the feed-forward module. */
  ffDim: number;
  dropout: number;
}

/**
 * x ← x + MHSA(LN x); x ← x + ReLU(BN(Conv1d(LN x))); x ← x + FFN(LN x); LN. Over [B, T, D].
 * "Lite": one full (not depthwise/GLU) convolution and a ReLU feed-forward, no relative positions.
 */
export class ConformerLiteBlock extends Module {
  readonly ln1: LayerNorm;
  readonly mhsa: MultiHeadSelfAttention;
  readonly ln2: LayerNorm;
  readonly conv: Conv1d;
  readonly bn: BatchNorm1d;
  readonly ln3: LayerNorm;
  readonly ff1: Linear;
  readonly ff2: Linear;
  readonly lnOut: LayerNorm;
  readonly drop: Dropout;
  constructor(readonly cfg: ConformerLiteConfig, rng: StatefulRng = new StatefulRng(0)) {
    super();
    const { dim, heads, kernel, ffDim } = cfg;
    this.ln1 = this.addModule("ln1", new LayerNorm(dim));
    this.mhsa = this.addModule("mhsa", new MultiHeadSelfAttention(dim, heads, rng));
    this.ln2 = this.addModule("ln2", new LayerNorm(dim));
    this.conv = this.addModule("conv", new Conv1d(dim, dim, kernel, { padding: "same", rng }));
    this.bn = this.addModule("bn", new BatchNorm1d(dim));
    this.ln3 = this.addModule("ln3", new LayerNorm(dim));
    this.ff1 = this.addModule("ff1", new Linear(dim, ffDim, { rng }));
    this.ff2 = this.addModule("ff2", new Linear(ffDim, dim, { rng }));
    this.lnOut = this.addModule("ln_out", new LayerNorm(dim));
    this.drop = this.addModule("drop", new Dropout(cfg.dropout, rng));
  }
  forward(x: Tensor): Tensor {
    let y = add(x, this.drop.forward(this.mhsa.forward(this.ln1.forward(x))));
    const c = permute(this.ln2.forward(y), [0, 2, 1]); // [B, D, T]
    y = add(y, permute(relu(this.bn.forward(this.conv.forward(c))), [0, 2, 1]));
    y = add(y, this.drop.forward(this.ff2.forward(relu(this.ff1.forward(this.ln3.forward(y))))));
    return this.lnOut.forward(y);
  }
}

/** Options of {@link ConformerLiteEncoder}. */
export interface ConformerLiteEncoderConfig extends ConformerLiteConfig {
  /** Feature dimension of the input [B, F, T] (e.g. 80 fbank bins). */
  inputDim: number;
  blocks: number;
  /** Output embedding size. */
  embedDim: number;
}

/** DRLM: input projection, conformer-lite blocks, statistics pooling, embedding layer. [B,F,T] → [B,E]. */
export class ConformerLiteEncoder extends Module {
  readonly proj: Linear;
  readonly blocks: ConformerLiteBlock[];
  readonly pool: StatsPooling;
  readonly embed: Linear;
  constructor(readonly cfg: ConformerLiteEncoderConfig, rng: StatefulRng = new StatefulRng(0)) {
    super();
    this.proj = this.addModule("proj", new Linear(cfg.inputDim, cfg.dim, { rng }));
    this.blocks = Array.from(
      { length: cfg.blocks },
      (_, i) => this.addModule(`blocks.${i}`, new ConformerLiteBlock(cfg, rng)),
    );
    this.pool = this.addModule("pool", new StatsPooling());
    this.embed = this.addModule("embed", new Linear(2 * cfg.dim, cfg.embedDim, { rng }));
  }
  forward(x: Tensor): Tensor {
    let y = this.proj.forward(permute(x, [0, 2, 1])); // [B, T, D]
    for (const b of this.blocks) y = b.forward(y);
    return this.embed.forward(this.pool.forward(permute(y, [0, 2, 1])));
  }
}
