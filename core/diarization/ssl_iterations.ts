/**
 * Self-supervised diarization iterations (after Singh & Ganapathy): FINCH pseudo-labels on segment
 * embeddings, DRLM training on them (core/nn/drlm_train.ts), AHC on the DRLM embeddings halving the
 * number of clusters per iteration down to the target. Clusterers and the loss are given as instances
 * (the recipe takes them from its registry); DER per iteration comes from a callback.
 * @module
 */
import type { Clusterer } from "../contracts/clusterer.ts";
import type { Loss } from "../contracts/loss.ts";
import type { Region } from "../contracts/vad.ts";
import { l2NormalizeRows } from "../kernels/distance.ts";
import type { Matrix } from "../matrix.ts";
import { ConformerDrlm, type ConformerDrlmConfig, contextRows, dnnDrlm, type DrlmKind } from "../nn/drlm.ts";
import { trainDrlmIteration } from "../nn/drlm_train.ts";
import { applyModule } from "../nn/head.ts";
import { Adam } from "../nn/optim.ts";
import { StatefulRng } from "../nn/rng.ts";

/** Settings of the iterations (validated by the recipe). */
export interface SslSettings {
  /** Target number of speakers. */
  readonly target: number;
  /** DRLM variant. */
  readonly drlm: DrlmKind;
  /** DNN widths (the last is the embedding size). */
  readonly widths: readonly number[];
  /** Conformer settings (conformer DRLM only). */
  readonly conformer: ConformerDrlmConfig | null;
  readonly initialFactor: number;
  readonly maxIterations: number;
  readonly epochs: number;
  readonly samplesPerEpoch: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly lossRatio: number;
  /** Pair loss (contrastive) rather than a labelled-batch loss (triplet). */
  readonly pairwise: boolean;
}

/** One iteration's record. */
export interface SslIteration {
  readonly iteration: number;
  /** Pseudo-label clusters the DRLM was trained on. */
  readonly clusters: number;
  readonly loss: number;
  readonly lossRatio: number;
  /** DER (%) of AHC with the target count on the DRLM embeddings after this iteration. */
  readonly der: number;
}

/**
 * The self-supervised iterations: FINCH pseudo-labels (at least `initialFactor` x target clusters), then
 * per iteration DRLM training on the pseudo-labels and AHC on the DRLM embeddings halving the clusters
 * down to the target; stops when the count equals the target and loss / initial loss <= `lossRatio`.
 */
export async function selfSupervisedIterations(
  cfg: SslSettings,
  base: { readonly embeddings: Matrix; readonly segments: Region[] },
  loss: Loss,
  finch: Clusterer,
  ahc: Clusterer,
  der: (labels: Int32Array) => Promise<number>,
  ctx: { seed: number; log(msg: string): void },
) {
  const { target, conformer, widths } = cfg;
  const x0 = base.embeddings;
  // what the DRLM reads per segment: its embedding, or (conformer) the flattened [D, T] neighbourhood
  const xin = conformer ? contextRows(x0, base.segments, conformer.context, conformer.maxGap) : x0;
  const init = await finch.cluster(x0, {
    minClusters: Math.min(x0.rows, cfg.initialFactor * target),
    seed: ctx.seed,
  });
  let labels = init.labels, k = init.numClusters;
  const rng = new StatefulRng(ctx.seed);
  const drlm = conformer
    ? new ConformerDrlm(x0.cols, 2 * conformer.context + 1, conformer, widths.at(-1)!, rng)
    : dnnDrlm(x0.cols, widths, rng);
  const opt = new Adam([...drlm.parameters(), ...loss.parameters()], { lr: cfg.lr });
  const iterations: SslIteration[] = [];
  let initialLoss = NaN, stoppedBy = `maxIterations ${cfg.maxIterations}`, current = x0;
  const epochs = { ...cfg, pairwise: cfg.pairwise };
  for (let it = 0; it < cfg.maxIterations; it++) {
    const epochLoss = trainDrlmIteration(drlm, loss, opt, xin, labels, k, epochs, rng, (e, l) => {
      if (it === 0 && e === 0) initialLoss = l;
    });
    current = l2NormalizeRows(applyModule(drlm, xin));
    const evalLabels = (await ahc.cluster(current, { numClusters: target })).labels;
    const ratio = epochLoss / initialLoss;
    const d = await der(evalLabels);
    iterations.push({ iteration: it + 1, clusters: k, loss: epochLoss, lossRatio: ratio, der: d });
    ctx.log(
      `iteration ${it + 1}: trained on ${k} pseudo-speakers, loss ${epochLoss.toFixed(4)} (ratio ${
        ratio.toFixed(3)
      }), DER ${d.toFixed(2)} %`,
    );
    if (k === target && ratio <= cfg.lossRatio) {
      stoppedBy = `clusters = target (${target}) and loss ratio ${ratio.toFixed(3)} <= ${cfg.lossRatio}`;
      break;
    }
    const next = Math.max(target, Math.floor(k / 2));
    labels = next === target ? evalLabels : (await ahc.cluster(current, { numClusters: next })).labels;
    k = next;
  }
  const finalLabels = (await ahc.cluster(current, { numClusters: target })).labels;
  return {
    iterations,
    stoppedBy,
    finalLabels,
    initialClusters: init.numClusters,
    parameters: drlm.numParameters(),
  };
}
