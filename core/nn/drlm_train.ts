/**
 * One iteration of DRLM training on pseudo-labels (self-supervised diarization): `epochs` passes of
 * `samplesPerEpoch` samples, either pairs for a pair loss (contrastive: half same-pseudo-speaker pairs,
 * half random pairs, label 0 = same) or labelled rows for a batch loss (triplet). Outputs are
 * L2-normalised before the loss, as in the paper. All randomness comes from `rng`.
 * @module
 */
import { l2normalize, type Tensor } from "../autodiff/mod.ts";
import type { Loss } from "../contracts/loss.ts";
import type { Matrix } from "../matrix.ts";
import { batchOf } from "./head.ts";
import type { Module } from "./module.ts";
import type { Optimizer } from "./optim.ts";
import type { StatefulRng } from "./rng.ts";

/** Sampling and optimisation settings of one iteration. */
export interface DrlmEpochs {
  /** Epochs per iteration. */
  readonly epochs: number;
  /** Pairs (pair loss) or rows (batch loss) per epoch. */
  readonly samplesPerEpoch: number;
  /** Batch size. */
  readonly batchSize: number;
  /** Pair loss (contrastive) or batch loss (triplet). */
  readonly pairwise: boolean;
}

/** Pair indices for a contrastive batch: even slots same-pseudo-speaker pairs, odd slots random pairs. */
function pairBatch(
  B: number,
  labels: Int32Array,
  members: number[][],
  multi: number[],
  rng: StatefulRng,
): { a: number[]; b: number[]; y: number[] } {
  const a: number[] = [], b: number[] = [], y: number[] = [];
  const n = labels.length, k = members.length;
  for (let q = 0; q < B; q++) {
    if (q % 2 === 0 && multi.length) {
      const m = members[multi[rng.int(multi.length)]];
      const i = rng.int(m.length);
      let j = rng.int(m.length - 1);
      if (j >= i) j++;
      a.push(m[i]), b.push(m[j]), y.push(0);
    } else {
      const i = rng.int(n);
      let j = rng.int(n);
      while (labels[j] === labels[i] && k > 1) j = rng.int(n);
      a.push(i), b.push(j), y.push(labels[i] === labels[j] ? 0 : 1);
    }
  }
  return { a, b, y };
}

/** Trains `drlm` on pseudo-labels `labels` (0..k-1) of the rows of `x`; returns the last epoch's mean loss. */
export function trainDrlmIteration(
  drlm: Module,
  loss: Loss,
  opt: Optimizer,
  x: Matrix,
  labels: Int32Array,
  k: number,
  cfg: DrlmEpochs,
  rng: StatefulRng,
  onEpoch?: (epoch: number, loss: number) => void,
): number {
  const embed = (t: Tensor) => l2normalize(drlm.forward(t));
  // members of each pseudo-speaker, for sampling pairs
  const members: number[][] = Array.from({ length: k }, () => []);
  labels.forEach((l, i) => members[l].push(i));
  const multi = members.map((m, c) => (m.length > 1 ? c : -1)).filter((c) => c >= 0);
  let epochLoss = NaN;
  for (let e = 0; e < cfg.epochs; e++) {
    drlm.train(true);
    let sum = 0, n = 0;
    for (let s = 0; s < cfg.samplesPerEpoch; s += cfg.batchSize) {
      const B = Math.min(cfg.batchSize, cfg.samplesPerEpoch - s);
      opt.zeroGrad();
      let l: Tensor;
      if (cfg.pairwise) {
        const { a, b, y } = pairBatch(B, labels, members, multi, rng);
        l = loss.forward({
          embeddings: embed(batchOf(x, a)),
          positives: embed(batchOf(x, b)),
          labels: Int32Array.from(y),
        });
      } else {
        const idx = Array.from({ length: B }, () => rng.int(x.rows));
        l = loss.forward({
          embeddings: embed(batchOf(x, idx)),
          labels: Int32Array.from(idx, (i) => labels[i]),
        });
      }
      l.backward();
      opt.step();
      sum += l.item() * B;
      n += B;
    }
    epochLoss = sum / n;
    onEpoch?.(e, epochLoss);
  }
  drlm.train(false);
  return epochLoss;
}
