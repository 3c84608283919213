/**
 * Domain adaptation by deep clustering on embeddings (CKM): an autoencoder is pre-trained on the
 * (unlabelled) target embeddings with the reconstruction MSE; its bottleneck codes are clustered by
 * k-means (k-means++ seeding, via the registry's `kmeans` clusterer) to initialise K centroids;
 * then encoder, decoder and centroids are trained jointly with
 *   L = reconstruction + ckmWeight · concrete-k-means(z)            (unsupervised)
 *     + rbfWeight · k-shot-RBF(z_labelled)                           (semi-supervised)
 * The semi-supervised mode uses the target rows with labels >= 0 (a few shots per speaker).
 * `transform` returns the encoder's codes; `labels()` the nearest centroid of each fitted row.
 * All losses are created through the registry.
 * @module
 */
import type { AdapterData, AdapterPlugin, Loss } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { registry } from "../../core/registry.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import { add, scale, type Tensor } from "../../core/autodiff/mod.ts";
import { Linear, ReLU, Sequential } from "../../core/nn/layers.ts";
import { Module } from "../../core/nn/module.ts";
import { Adam } from "../../core/nn/optim.ts";
import { StatefulRng } from "../../core/nn/rng.ts";
import { Trainer } from "../../core/nn/trainer.ts";
import { applyModule, batchOf } from "../../core/nn/head.ts";
import { labelMeans } from "../../core/cluster/kmeans.ts";

/** Options of ckm-adapt. */
export interface CkmAdaptConfig {
  mode: "unsupervised" | "semi-supervised";
  k: number;
  hidden: number;
  bottleneck: number;
  pretrainEpochs: number;
  jointEpochs: number;
  ckmWeight: number;
  rbfWeight: number;
  tau: number;
  gamma: number;
  batchSize: number;
  lr: number;
  seed: number;
}

const NAME = "adapter 'ckm-adapt'";

class AutoEncoder extends Module {
  readonly enc: Sequential;
  readonly dec: Sequential;
  constructor(d: number, h: number, b: number, rng: StatefulRng) {
    super();
    this.enc = this.addModule(
      "enc",
      new Sequential(new Linear(d, h, { rng }), new ReLU(), new Linear(h, b, { rng })),
    );
    this.dec = this.addModule(
      "dec",
      new Sequential(new Linear(b, h, { rng }), new ReLU(), new Linear(h, d, { rng })),
    );
  }
  forward(x: Tensor): Tensor {
    return this.dec.forward(this.enc.forward(x));
  }
}

/** `ckm-adapt` adapter plugin. */
export const ckmAdaptAdapter: AdapterPlugin<CkmAdaptConfig> = {
  kind: "adapter",
  name: "ckm-adapt",
  description:
    "deep-clustering domain adaptation: autoencoder + concrete k-means (+ k-shot RBF when semi-supervised)",
  defaults: {
    mode: "unsupervised",
    k: 8,
    hidden: 128,
    bottleneck: 32,
    pretrainEpochs: 20,
    jointEpochs: 20,
    ckmWeight: 0.1,
    rbfWeight: 1,
    tau: 1,
    gamma: 1,
    batchSize: 64,
    lr: 0.002,
    seed: 0,
  },
  options: {
    mode: "'unsupervised' (CKM) or 'semi-supervised' (CKM + k-shot RBF on target rows with labels >= 0)",
    k: "number of centroids K",
    hidden: "autoencoder hidden width",
    bottleneck: "code (output) dimension",
    pretrainEpochs: "autoencoder pre-training epochs",
    jointEpochs: "joint training epochs",
    ckmWeight: "weight of the concrete k-means loss",
    rbfWeight: "weight of the k-shot RBF loss (semi-supervised)",
    tau: "Gumbel-softmax temperature of the CKM loss",
    gamma: "RBF sharpness of the k-shot loss",
    batchSize: "rows per batch",
    lr: "Adam learning rate",
    seed: "seed of initialisation, clustering, shuffling and Gumbel noise",
  },
  validate(c) {
    check.oneOf(NAME, "mode", c.mode, ["unsupervised", "semi-supervised"] as const);
    check.integer(NAME, "k", c.k, 1);
    check.integer(NAME, "hidden", c.hidden, 1);
    check.integer(NAME, "bottleneck", c.bottleneck, 1);
    check.integer(NAME, "pretrainEpochs", c.pretrainEpochs, 0);
    check.integer(NAME, "jointEpochs", c.jointEpochs, 0);
    check.nonNegative(NAME, "ckmWeight", c.ckmWeight);
    check.nonNegative(NAME, "rbfWeight", c.rbfWeight);
    check.positive(NAME, "tau", c.tau);
    check.positive(NAME, "gamma", c.gamma);
    check.integer(NAME, "batchSize", c.batchSize, 2);
    check.positive(NAME, "lr", c.lr);
    check.integer(NAME, "seed", c.seed, 0);
  },
  create(c) {
    let ae: AutoEncoder | null = null;
    let centroids: Tensor | null = null;
    let assign: Int32Array = new Int32Array(0);
    const log: Record<string, number[]> = {};
    return {
      async fit(data: AdapterData, target?: AdapterData) {
        const U = target ?? data;
        const x = U.x;
        assertFinite(x, "ckm-adapt embeddings");
        if (x.rows < c.k) {
          throw new RangeError(`ckm-adapt: ${x.rows} embeddings cannot form k=${c.k} clusters`);
        }
        const rng = new StatefulRng(c.seed);
        ae = new AutoEncoder(x.cols, c.hidden, c.bottleneck, rng);
        const recon = await registry.create("loss", "reconstruction-mse", {});
        const ckm = await registry.create("loss", "ckm", {
          dim: c.bottleneck,
          k: c.k,
          tau: c.tau,
          seed: c.seed,
        });
        let rbf: Loss | null = null;
        if (c.mode === "semi-supervised") {
          const lab = U.labels;
          if (!lab) {
            throw new RangeError("ckm-adapt: semi-supervised mode needs target 'labels' (-1 = unlabelled)");
          }
          if (lab.length !== x.rows) {
            throw new RangeError(
              `ckm-adapt: ${x.rows} target embeddings but ${lab.length} labels; give one label per row (-1 = unlabelled)`,
            );
          }
          const shots = [...lab.keys()].filter((i) => lab[i] >= 0);
          if (!shots.length) {
            throw new RangeError("ckm-adapt: semi-supervised mode found no labelled (>= 0) target rows");
          }
          const nc = Math.max(2, ...shots.map((i) => lab[i] + 1));
          rbf = await registry.create("loss", "kshot-rbf", {
            dim: c.bottleneck,
            numClasses: nc,
            gamma: c.gamma,
            seed: c.seed,
          });
        }
        const shuffle = new StatefulRng(c.seed + 7);
        const all = Array.from({ length: x.rows }, (_, i) => i);
        const batches = () => {
          const o = shuffle.shuffle([...all]);
          const out: number[][] = [];
          for (let s = 0; s < o.length; s += c.batchSize) out.push(o.slice(s, s + c.batchSize));
          return out;
        };
        const run = async (label: string, epochs: number, params: Tensor[], joint: boolean) => {
          if (!epochs) return;
          const tr = new Trainer<number[]>({ epochs, patience: 0, minDelta: 0, clipNorm: 10, label }, {
            model: ae!,
            optimizer: new Adam(params, { lr: c.lr }),
            batches,
            step(idx) {
              const xb = batchOf(x, idx);
              const z = ae!.enc.forward(xb);
              let l = recon.forward({ embeddings: ae!.dec.forward(z), positives: xb });
              if (joint) {
                if (c.ckmWeight) l = add(l, scale(ckm.forward({ embeddings: z }), c.ckmWeight));
                const lab = idx.filter((i) => U.labels && U.labels[i] >= 0);
                if (rbf && c.rbfWeight && lab.length) {
                  const zl = ae!.enc.forward(batchOf(x, lab));
                  l = add(
                    l,
                    scale(
                      rbf.forward({ embeddings: zl, labels: Int32Array.from(lab, (i) => U.labels![i]) }),
                      c.rbfWeight,
                    ),
                  );
                }
              }
              return { loss: l, samples: idx.length };
            },
          });
          log[label] = (await tr.fit()).history.map((h) => h.trainLoss);
        };
        await run("ckm-adapt pretrain", c.pretrainEpochs, ae.parameters(), false);
        // k-means++ initialisation of the centroids on the pre-trained codes (through the registry)
        const codes = applyModule(ae.enc, x);
        const km = await registry.create("clusterer", "kmeans", { k: c.k, seed: c.seed });
        const res = await km.cluster(codes, { numClusters: c.k, seed: c.seed });
        centroids = ckm.parameters()[0];
        centroids.data.set(labelMeans(codes, res.labels, c.k));
        if (rbf) {
          const lab = U.labels!;
          const nc = rbf.parameters()[0].shape[0];
          rbf.parameters()[0].data.set(labelMeans(codes, lab, nc));
        }
        await run("ckm-adapt joint", c.jointEpochs, [
          ...ae.parameters(),
          ...ckm.parameters(),
          ...(rbf?.parameters() ?? []),
        ], true);
        const z = applyModule(ae.enc, x);
        assign = nearest(z, centroids.data, c.k);
      },
      transform(x: Matrix): Matrix {
        if (!ae) throw new Error("ckm-adapt: call fit() before transform()");
        return applyModule(ae.enc, x);
      },
      labels: () => assign,
      state: () => ({ k: c.k, losses: log, centroids: centroids ? Array.from(centroids.data) : null }),
    };
  },
};

/** Nearest centroid of each row. */
function nearest(z: Matrix, c: Float32Array, k: number): Int32Array {
  const out = new Int32Array(z.rows), d = z.cols;
  for (let i = 0; i < z.rows; i++) {
    let best = Infinity;
    for (let l = 0; l < k; l++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (z.data[i * d + j] - c[l * d + j]) ** 2;
      if (s < best) (best = s), (out[i] = l);
    }
  }
  return out;
}
