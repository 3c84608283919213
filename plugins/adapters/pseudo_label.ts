/**
 * Semi-supervised pseudo-labelling (CRMI-DKU style): cluster the unlabelled target embeddings with
 * a clusterer from the registry (default `kmeans`, K chosen by the kneedle elbow of its WCSS curve
 * in [kMin, kMax]), keep the `keep` rows nearest each centroid as a new class (the rest get -1),
 * then train a head on the labelled source rows plus these new classes.
 * `fit(source, target)`: source rows need `labels` (or pass no source labels to train on the
 * pseudo-labels alone); `labels()` returns the target pseudo-labels (new class ids start after the
 * source classes); `transform` applies the head.
 * @module
 */
import type { AdapterData, AdapterPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { registry } from "../../core/registry.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import type { Module } from "../../core/nn/module.ts";
import { applyModule, trainHead } from "../../core/nn/head.ts";
import { labelMeans } from "../../core/cluster/kmeans.ts";

/** Options of the pseudo-label adapter. */
export interface PseudoLabelConfig {
  clusterer: string;
  clustererOptions: Record<string, unknown>;
  kMin: number;
  kMax: number;
  keep: number;
  outDim: number;
  hidden: number;
  loss: string;
  lossOptions: Record<string, unknown>;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}

const NAME = "adapter 'pseudo-label'";

/** `pseudo-label` adapter plugin. */
export const pseudoLabelAdapter: AdapterPlugin<PseudoLabelConfig> = {
  kind: "adapter",
  name: "pseudo-label",
  description:
    "cluster target embeddings (K by elbow), keep N nearest per centroid as new classes, retrain a head",
  defaults: {
    clusterer: "kmeans",
    clustererOptions: { selectK: "elbow" },
    kMin: 2,
    kMax: 20,
    keep: 10,
    outDim: 0,
    hidden: 0,
    loss: "aam-softmax",
    lossOptions: { scale: 32, margin: 0.2 },
    epochs: 30,
    batchSize: 64,
    lr: 0.005,
    seed: 0,
  },
  options: {
    clusterer: "registry name of the clusterer (it chooses K in [kMin, kMax]; kmeans uses the elbow)",
    clustererOptions: "options of that clusterer",
    kMin: "smallest number of target clusters tried",
    kMax: "largest number of target clusters tried",
    keep: "rows nearest each centroid kept as pseudo-labelled (N)",
    outDim: "head output dimension (0 = input dimension)",
    hidden: "hidden width (0 = one linear layer)",
    loss: "registry name of the classification loss of the head",
    lossOptions: "options of that loss (dim/numClasses are set automatically)",
    epochs: "training epochs of the head",
    batchSize: "rows per batch",
    lr: "peak Adam learning rate",
    seed: "seed of clustering, initialisation and shuffling",
  },
  validate(c) {
    if (typeof c.clusterer !== "string" || !c.clusterer) {
      throw new ConfigError(NAME, "'clusterer' must name a clusterer plugin");
    }
    check.integer(NAME, "kMin", c.kMin, 1);
    check.integer(NAME, "kMax", c.kMax, c.kMin);
    check.integer(NAME, "keep", c.keep, 1);
    check.integer(NAME, "outDim", c.outDim, 0);
    check.integer(NAME, "hidden", c.hidden, 0);
    check.integer(NAME, "epochs", c.epochs, 1);
    check.integer(NAME, "batchSize", c.batchSize, 2);
    check.positive(NAME, "lr", c.lr);
    check.integer(NAME, "seed", c.seed, 0);
  },
  create(c) {
    let head: Module | null = null;
    let pseudo: Int32Array = new Int32Array(0);
    let chosenK = 0;
    return {
      async fit(source: AdapterData, target?: AdapterData) {
        const tgt = target ?? { x: source.x };
        const src = target ? source : undefined;
        assertFinite(tgt.x, "pseudo-label target embeddings");
        if (src && src.x.cols !== tgt.x.cols) {
          throw new RangeError(`pseudo-label: source dim ${src.x.cols} != target dim ${tgt.x.cols}`);
        }
        if (tgt.x.rows < c.kMin) {
          throw new RangeError(
            `pseudo-label: ${tgt.x.rows} target embeddings cannot form kMin=${c.kMin} clusters; lower kMin or add data`,
          );
        }
        // the seed goes to clusterers that have one (ahc and finch-ahc are deterministic and have none)
        const seeded = "seed" in (registry.get("clusterer", c.clusterer).defaults as object);
        const cl = await registry.create("clusterer", c.clusterer, {
          ...c.clustererOptions,
          ...(seeded ? { seed: c.seed } : {}),
        });
        const res = await cl.cluster(tgt.x, {
          minClusters: c.kMin,
          maxClusters: Math.min(c.kMax, tgt.x.rows),
          seed: c.seed,
        });
        chosenK = res.numClusters;
        const d = tgt.x.cols;
        // centroids: the clusterer's own when it reports them, else cluster means
        const cm = res.extra?.centroids as Matrix | undefined;
        const cent = cm && cm.rows === chosenK && cm.cols === d
          ? cm.data
          : labelMeans(tgt.x, res.labels, chosenK);
        const srcClasses = src?.labels ? Math.max(-1, ...src.labels) + 1 : 0;
        pseudo = new Int32Array(tgt.x.rows).fill(-1);
        for (let k = 0; k < chosenK; k++) {
          const members = [...res.labels.keys()].filter((i) => res.labels[i] === k);
          const dist = members.map((i) => {
            let s = 0;
            for (let j = 0; j < d; j++) s += (tgt.x.data[i * d + j] - cent[k * d + j]) ** 2;
            return [s, i] as const;
          }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          for (const [, i] of dist.slice(0, c.keep)) pseudo[i] = srcClasses + k;
        }
        // training set: labelled source rows, then the kept target rows
        const ns = src?.labels ? src.x.rows : 0;
        const x = new Float32Array((ns + tgt.x.rows) * d);
        if (ns) x.set(src!.x.data);
        x.set(tgt.x.data, ns * d);
        const labels = new Int32Array(ns + tgt.x.rows);
        if (ns) labels.set(src!.labels!);
        labels.set(pseudo, ns);
        head = (await trainHead({ rows: ns + tgt.x.rows, cols: d, data: x }, labels, c, "pseudo-label")).head;
      },
      transform(x: Matrix): Matrix {
        if (!head) throw new Error("pseudo-label: call fit() before transform()");
        return applyModule(head, x);
      },
      labels: () => pseudo,
      state: () => ({ chosenK, kept: pseudo.filter((v) => v >= 0).length }),
    };
  },
};
