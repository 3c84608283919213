/**
 * Training a small embedding head on fixed input embeddings (used by the lang-invariant and
 * pseudo-label adapters): a Linear (or Linear–ReLU–Linear) head trained with a classification
 * loss created through the registry, plus an optional extra loss term per batch.
 * @module
 */
import { type Tensor, tensor } from "../autodiff/mod.ts";
import { add } from "../autodiff/ops.ts";
import type { Matrix } from "../matrix.ts";
import type { Loss } from "../contracts/loss.ts";
import { classifierTrainer } from "./classifier_trainer.ts";
import { Linear, ReLU, Sequential } from "./layers.ts";
import type { Module } from "./module.ts";
import { StatefulRng } from "./rng.ts";
import type { TrainReport } from "./trainer.ts";

/** Options of {@link trainHead}. */
export interface HeadConfig {
  /** Output dimension (0 = same as the input). */
  outDim: number;
  /** Hidden width (0 = a single linear layer). */
  hidden: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}

/** Rows `idx` of a matrix as a constant tensor. */
export function batchOf(x: Matrix, idx: ArrayLike<number>): Tensor {
  const out = new Float32Array(idx.length * x.cols);
  for (let k = 0; k < idx.length; k++) {
    out.set(x.data.subarray(idx[k] * x.cols, (idx[k] + 1) * x.cols), k * x.cols);
  }
  return tensor(out, [idx.length, x.cols]);
}

/** Runs a module over all rows in eval mode. */
export function applyModule(m: Module, x: Matrix, batch = 1024): Matrix {
  m.eval();
  const parts: Float32Array[] = [];
  let cols = 0;
  for (let s = 0; s < x.rows; s += batch) {
    const idx = Array.from({ length: Math.min(batch, x.rows - s) }, (_, i) => s + i);
    const y = m.forward(batchOf(x, idx));
    cols = y.shape[1];
    parts.push(y.data);
  }
  const data = new Float32Array(x.rows * cols);
  let off = 0;
  for (const p of parts) (data.set(p, off), off += p.length);
  return { rows: x.rows, cols, data };
}

/**
 * Trains a head on rows with labels >= 0 (rows labelled -1 are skipped) with `loss` (created by the
 * caller from its registry, with `dim` = the head's output and `numClasses` = max label + 1).
 * `extra(emb, idx)` may add a loss term per batch (idx = row numbers of the batch).
 */
export async function trainHead(
  x: Matrix,
  labels: Int32Array,
  cfg: HeadConfig,
  makeLoss: (shape: { dim: number; numClasses: number; seed: number }) => Promise<Loss>,
  label: string,
  extra?: (emb: Tensor, idx: number[]) => Tensor | undefined,
): Promise<{ head: Module; report: TrainReport }> {
  const rows = [...labels.keys()].filter((i) => labels[i] >= 0);
  if (rows.length < 2) {
    throw new RangeError(`${label}: needs at least 2 labelled rows to train a head, got ${rows.length}`);
  }
  const numClasses = Math.max(2, ...rows.map((i) => labels[i] + 1));
  const outDim = cfg.outDim || x.cols;
  const rng = new StatefulRng(cfg.seed);
  const head: Module = cfg.hidden
    ? new Sequential(
      new Linear(x.cols, cfg.hidden, { rng }),
      new ReLU(),
      new Linear(cfg.hidden, outDim, { rng }),
    )
    : new Sequential(new Linear(x.cols, outDim, { rng }));
  const loss = await makeLoss({ dim: outDim, numClasses, seed: cfg.seed });
  const shuffle = new StatefulRng(cfg.seed + 1);
  const stepsPerEpoch = Math.ceil(rows.length / cfg.batchSize);
  const trainer = classifierTrainer<number[]>({
    model: head,
    loss,
    epochs: cfg.epochs,
    lr: cfg.lr,
    warmupSteps: 10,
    minLrFactor: 0.01,
    clipNorm: 10,
    label,
    rngs: { shuffle, init: rng },
    stepsPerEpoch,
    batches() {
      const order = shuffle.shuffle([...rows]);
      const out: number[][] = [];
      for (let s = 0; s < order.length; s += cfg.batchSize) out.push(order.slice(s, s + cfg.batchSize));
      if (out.length > 1 && out[out.length - 1].length < 2) out[out.length - 2].push(...out.pop()!);
      return out;
    },
    step(idx) {
      const emb = head.forward(batchOf(x, idx));
      let l = loss.forward({ embeddings: emb, labels: Int32Array.from(idx, (i) => labels[i]) });
      const e = extra?.(emb, idx);
      if (e) l = add(l, e);
      return { loss: l, samples: idx.length };
    },
  });
  const report = await trainer.fit();
  return { head, report };
}
