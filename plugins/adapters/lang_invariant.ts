/**
 * Language-invariant head training (CRMI-DKU): trains a head on labelled embeddings with a speaker
 * classification loss plus the batch-language invariance MSE (distance between the mean head
 * outputs of the two languages in each batch), so cross-lingual trials of one speaker come closer.
 * `fit(data)` needs `labels` (speakers) and `domains` (language id 0/1 per row); `transform`
 * applies the trained head. Losses are created through the registry.
 * @module
 */
import type { AdapterData, AdapterPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { registry } from "../../core/registry.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { Module } from "../../core/nn/module.ts";
import { applyModule, trainHead } from "../../core/nn/head.ts";

/** Options of the lang-invariant adapter. */
export interface LangInvariantAdapterConfig {
  outDim: number;
  hidden: number;
  loss: string;
  lossOptions: Record<string, unknown>;
  weight: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}

const NAME = "adapter 'lang-invariant'";

/** `lang-invariant` adapter plugin. */
export const langInvariantAdapter: AdapterPlugin<LangInvariantAdapterConfig> = {
  kind: "adapter",
  name: "lang-invariant",
  description: "trains a head with a speaker loss + batch-language invariance MSE (CRMI-DKU)",
  defaults: {
    outDim: 0,
    hidden: 0,
    loss: "aam-softmax",
    lossOptions: { scale: 32, margin: 0.2 },
    weight: 1,
    epochs: 30,
    batchSize: 64,
    lr: 0.005,
    seed: 0,
  },
  options: {
    outDim: "head output dimension (0 = input dimension)",
    hidden: "hidden width (0 = one linear layer)",
    loss: "registry name of the speaker classification loss",
    lossOptions: "options of that loss (dim/numClasses are set automatically)",
    weight: "weight of the language-invariance MSE",
    epochs: "training epochs",
    batchSize: "rows per batch (each batch should hold both languages)",
    lr: "peak Adam learning rate (warm-up + cosine)",
    seed: "seed of initialisation and shuffling",
  },
  validate(c) {
    check.integer(NAME, "outDim", c.outDim, 0);
    check.integer(NAME, "hidden", c.hidden, 0);
    if (typeof c.loss !== "string" || !c.loss) throw new ConfigError(NAME, `'loss' must name a loss plugin`);
    check.nonNegative(NAME, "weight", c.weight);
    check.integer(NAME, "epochs", c.epochs, 1);
    check.integer(NAME, "batchSize", c.batchSize, 2);
    check.positive(NAME, "lr", c.lr);
    check.integer(NAME, "seed", c.seed, 0);
  },
  create(c) {
    let head: Module | null = null;
    let history: number[] = [];
    return {
      async fit(data: AdapterData) {
        if (!data.labels) throw new RangeError("lang-invariant: fit() needs speaker 'labels'");
        if (!data.domains) {
          throw new RangeError("lang-invariant: fit() needs 'domains' = language id (0/1) per row");
        }
        if (data.labels.length !== data.x.rows || data.domains.length !== data.x.rows) {
          throw new RangeError(
            `lang-invariant: ${data.x.rows} rows but ${data.labels.length} labels / ${data.domains.length} language ids`,
          );
        }
        const odd = data.domains.findIndex((v) => v !== 0 && v !== 1);
        if (odd >= 0) {
          // a third language would otherwise be silently merged with language 1
          throw new RangeError(
            `lang-invariant: 'domains' must be 0 or 1 (two languages); row ${odd} has ${data.domains[odd]}`,
          );
        }
        const inv = await registry.create("loss", "lang-invariant-mse", {
          form: "batch-language",
          weight: c.weight,
        });
        const langs = data.domains;
        const r = await trainHead(data.x, data.labels, c, "lang-invariant", (emb, idx) => {
          const l = Int32Array.from(idx, (i) => langs[i]);
          if (c.weight === 0 || !l.includes(0) || !l.includes(1)) return undefined;
          return inv.forward({ embeddings: emb, extra: { languages: l } });
        });
        head = r.head;
        history = r.report.history.map((h) => h.trainLoss);
      },
      transform(x: Matrix): Matrix {
        if (!head) throw new Error("lang-invariant: call fit() before transform()");
        return applyModule(head, x);
      },
      state: () => ({ trainLoss: history, head: head ? Object.keys(head.stateDict()) : null }),
    };
  },
};
