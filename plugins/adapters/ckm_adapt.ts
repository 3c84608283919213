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
import type { Adapter, AdapterData, Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
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
import { applyFitted, HEAD_OPTIONS } from "./head_kit.ts";

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
export const ckmAdaptAdapter = definePlugin({
  kind: "adapter",
  name: "ckm-adapt",
  description:
    "deep-clustering domain adaptation: autoencoder + concrete k-means (+ k-shot RBF when semi-supervised)",
  module: import.meta.url,
  options: {
    mode: opt.oneOf(
      ["unsupervised", "semi-supervised"] as const,
      "unsupervised",
      "'unsupervised' (CKM) or 'semi-supervised' (CKM + k-shot RBF on target rows with labels >= 0)",
    ),
    k: opt.integer(8, "number of centroids K", { min: 1 }),
    hidden: opt.integer(128, "autoencoder hidden width", { min: 1 }),
    bottleneck: opt.integer(32, "code (output) dimension", { min: 1 }),
    pretrainEpochs: opt.integer(20, "autoencoder pre-training epochs", { min: 0 }),
    jointEpochs: opt.integer(20, "joint training epochs", { min: 0 }),
    ckmWeight: opt.number(0.1, "weight of the concrete k-means loss", { min: 0 }),
    rbfWeight: opt.number(1, "weight of the k-shot RBF loss (semi-supervised)", { min: 0 }),
    tau: opt.number(1, "Gumbel-softmax temperature of the CKM loss", { gt: 0 }),
    gamma: opt.number(1, "RBF sharpness of the k-shot loss", { gt: 0 }),
    batchSize: HEAD_OPTIONS.batchSize,
    lr: opt.number(0.002, "Adam learning rate", { gt: 0 }),
    seed: HEAD_OPTIONS.seed,
  },
  create(c, ctx): Adapter {
    // the losses and the k-means come from the registry creating this adapter
    const reg = ctx?.registry ?? registry;
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
        const recon = await reg.create("loss", "reconstruction-mse", {});
        const ckm = await reg.create("loss", "ckm", {
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
          rbf = await reg.create("loss", "kshot-rbf", {
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
        const km = await reg.create("clusterer", "kmeans", { k: c.k, seed: c.seed });
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
      transform: (x: Matrix) => applyFitted(ae?.enc ?? null, x, "ckm-adapt"),
      labels: () => assign,
      state: () => ({ k: c.k, losses: log, centroids: centroids ? Array.from(centroids.data) : null }),
    };
  },
});

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
