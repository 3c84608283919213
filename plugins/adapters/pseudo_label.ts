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
import type { Adapter, AdapterData } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import { registry } from "../../core/registry.ts";
import { assertFinite, type Matrix } from "../../core/matrix.ts";
import type { Module } from "../../core/nn/module.ts";
import { trainHead } from "../../core/nn/head.ts";
import { labelMeans } from "../../core/cluster/kmeans.ts";
import { applyFitted, HEAD_OPTIONS, headLoss, isOptionsObject, namesPlugin } from "./head_kit.ts";

/** `pseudo-label` adapter plugin. */
export const pseudoLabelAdapter = definePlugin({
  kind: "adapter",
  name: "pseudo-label",
  description:
    "cluster target embeddings (K by elbow), keep N nearest per centroid as new classes, retrain a head",
  module: import.meta.url,
  options: {
    clusterer: opt.string(
      "kmeans",
      "registry name of the clusterer (it chooses K in [kMin, kMax]; kmeans uses the elbow)",
      namesPlugin("clusterer"),
    ),
    clustererOptions: opt.json<Record<string, unknown>>(
      { selectK: "elbow" },
      "options of that clusterer",
      isOptionsObject,
    ),
    kMin: opt.integer(2, "smallest number of target clusters tried", { min: 1 }),
    kMax: opt.integer(20, "largest number of target clusters tried (>= kMin)", { min: 1 }),
    keep: opt.integer(10, "rows nearest each centroid kept as pseudo-labelled (N)", { min: 1 }),
    ...HEAD_OPTIONS,
  },
  validate(c, component) {
    if (c.kMax < c.kMin) throw new ConfigError(component, `kMax (${c.kMax}) must be >= kMin (${c.kMin})`);
  },
  create(c, ctx): Adapter {
    const reg = ctx?.registry ?? registry;
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
        const seeded = "seed" in (reg.get("clusterer", c.clusterer).defaults as object);
        const cl = await reg.create("clusterer", c.clusterer, {
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
        const all = { rows: ns + tgt.x.rows, cols: d, data: x };
        head = (await trainHead(all, labels, c, headLoss(reg, c), "pseudo-label")).head;
      },
      transform: (x: Matrix) => applyFitted(head, x, "pseudo-label"),
      labels: () => pseudo,
      state: () => ({ chosenK, kept: pseudo.filter((v) => v >= 0).length }),
    };
  },
});
