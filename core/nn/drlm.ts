/**
 * The DRLM (diarization representation learning model) of the self-supervised diarization pipeline, in
 * its two variants:
 * - `dnn`: the paper's fully-connected 512-256-64-30 network on each segment embedding alone;
 * - `conformer`: the conformer-lite encoder (core/nn ConformerLiteEncoder: input projection, MHSA +
 *   convolution + feed-forward blocks, statistics pooling, embedding layer) over a short sequence made of
 *   the segment's embedding and its `context` neighbours on each side in time, so attention can weigh the
 *   surrounding windows. Neighbours stop at gaps in the speech (a pause is where speakers change): past
 *   one, the last embedding inside the region is repeated.
 * Both take rows of one matrix (the conformer's rows are the [D, T] sequences flattened, see
 * {@link contextRows}), so the pipeline trains and applies them the same way. Outputs are not normalised.
 * @module
 */
import { reshape } from "../autodiff/ops.ts";
import type { Tensor } from "../autodiff/tensor.ts";
import { ConfigError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { ConformerLiteEncoder } from "./attention.ts";
import { Linear, ReLU, Sequential } from "./layers.ts";
import { Module } from "./module.ts";
import type { StatefulRng } from "./rng.ts";

/** The DRLM variants. */
export const DRLM_KINDS = ["dnn", "conformer"] as const;
/** One DRLM variant. */
export type DrlmKind = typeof DRLM_KINDS[number];

/** Options of the conformer-lite DRLM. */
export interface ConformerDrlmConfig {
  /** Neighbouring segments on each side in the input sequence (T = 2 context + 1). */
  context: number;
  /** Largest silence (s) between consecutive segments that still counts as the same speech region. */
  maxGap: number;
  /** Model width of the conformer blocks. */
  dim: number;
  /** Attention heads (must divide `dim`). */
  heads: number;
  /** Kernel of the convolution module (odd). */
  kernel: number;
  /** Hidden width of the feed-forward module. */
  ffDim: number;
  /** Number of conformer-lite blocks. */
  blocks: number;
  /** Dropout after attention and feed-forward (training only). */
  dropout: number;
}

/** Defaults of the conformer-lite DRLM (small: it trains on one recording's few hundred segments). */
export const CONFORMER_DRLM_DEFAULTS: ConformerDrlmConfig = {
  context: 2,
  maxGap: 0.5,
  dim: 64,
  heads: 4,
  kernel: 3,
  ffDim: 128,
  blocks: 1,
  dropout: 0.1,
};

/** Explains what is wrong with a conformer DRLM config. */
export function validateConformerDrlm(c: ConformerDrlmConfig): void {
  const bad = (msg: string) => {
    throw new ConfigError("ssl-diarize conformer DRLM", msg);
  };
  for (const k of ["context", "dim", "heads", "kernel", "ffDim", "blocks"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < (k === "context" ? 0 : 1)) {
      bad(`'${k}' must be an integer >= ${k === "context" ? 0 : 1}, got ${c[k]}`);
    }
  }
  if (c.dim % c.heads !== 0) bad(`'dim' (${c.dim}) must be divisible by 'heads' (${c.heads})`);
  if (c.kernel % 2 !== 1) bad(`'kernel' must be odd, got ${c.kernel}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) bad(`'dropout' must be in [0, 1), got ${c.dropout}`);
  if (!(c.maxGap >= 0)) bad(`'maxGap' must be >= 0 seconds, got ${c.maxGap}`);
}

/**
 * Input rows for the conformer DRLM: row i is segment i's sequence [D, T] (feature-major, as the
 * encoder takes [B, F, T]) of its own embedding at the centre and `context` neighbours each side.
 */
export function contextRows(
  x: Matrix,
  segments: readonly { start: number; end: number }[],
  context: number,
  maxGap: number,
): Matrix {
  const N = x.rows, D = x.cols, T = 2 * context + 1;
  if (segments.length !== N) {
    throw new RangeError(`contextRows: ${segments.length} segments for ${N} embeddings`);
  }
  const order = [...segments.keys()].sort((a, b) => segments[a].start - segments[b].start || a - b);
  // contiguous[p]: the segment at time position p+1 continues the speech of the one at p
  const contiguous = order.slice(0, -1).map((r, p) =>
    segments[order[p + 1]].start - segments[r].end <= maxGap
  );
  const out = new Float32Array(N * D * T);
  order.forEach((row, p) => {
    for (let t = 0; t < T; t++) {
      const off = t - context;
      let q = p;
      while (q !== p + off) {
        const next = q + Math.sign(off);
        if (next < 0 || next >= N || !contiguous[Math.min(q, next)]) break;
        q = next;
      }
      const src = order[q];
      for (let f = 0; f < D; f++) out[row * D * T + f * T + t] = x.data[src * D + f];
    }
  });
  return { rows: N, cols: D * T, data: out };
}

/** Conformer-lite DRLM over flattened [D, T] rows. */
export class ConformerDrlm extends Module {
  readonly encoder: ConformerLiteEncoder;
  constructor(
    readonly inputDim: number,
    readonly steps: number,
    cfg: ConformerDrlmConfig,
    embedDim: number,
    rng: StatefulRng,
  ) {
    super();
    this.encoder = this.addModule(
      "encoder",
      new ConformerLiteEncoder({
        inputDim,
        dim: cfg.dim,
        heads: cfg.heads,
        kernel: cfg.kernel,
        ffDim: cfg.ffDim,
        dropout: cfg.dropout,
        blocks: cfg.blocks,
        embedDim,
      }, rng),
    );
  }
  forward(x: Tensor): Tensor {
    return this.encoder.forward(reshape(x, [x.shape[0], this.inputDim, this.steps]));
  }
}

/** The paper's DNN DRLM: Linear-ReLU layers of `widths`, the last without ReLU. */
export function dnnDrlm(inputDim: number, widths: readonly number[], rng: StatefulRng): Module {
  const layers: Module[] = [];
  let din = inputDim;
  for (let i = 0; i < widths.length; i++) {
    layers.push(new Linear(din, widths[i], { rng }));
    if (i < widths.length - 1) layers.push(new ReLU());
    din = widths[i];
  }
  return new Sequential(...layers);
}
