/**
 * Language-invariant head training (CRMI-DKU): trains a head on labelled embeddings with a speaker
 * classification loss plus the batch-language invariance MSE (distance between the mean head
 * outputs of the two languages in each batch), so cross-lingual trials of one speaker come closer.
 * `fit(data)` needs `labels` (speakers) and `domains` (language id 0/1 per row); `transform`
 * applies the trained head. Losses are created through the registry.
 * @module
 */
import type { Adapter, AdapterData } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { registry } from "../../core/registry.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { Module } from "../../core/nn/module.ts";
import { trainHead } from "../../core/nn/head.ts";
import { applyFitted, HEAD_OPTIONS, headLoss } from "./head_kit.ts";

/** `lang-invariant` adapter plugin. */
export const langInvariantAdapter = definePlugin({
  kind: "adapter",
  name: "lang-invariant",
  description: "trains a head with a speaker loss + batch-language invariance MSE (CRMI-DKU)",
  module: import.meta.url,
  options: {
    ...HEAD_OPTIONS,
    weight: opt.number(1, "weight of the language-invariance MSE (each batch should hold both languages)", {
      min: 0,
    }),
  },
  create(c, ctx): Adapter {
    const reg = ctx?.registry ?? registry;
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
        const inv = await reg.create("loss", "lang-invariant-mse", {
          form: "batch-language",
          weight: c.weight,
        });
        const langs = data.domains;
        const r = await trainHead(data.x, data.labels, c, headLoss(reg, c), "lang-invariant", (emb, idx) => {
          const l = Int32Array.from(idx, (i) => langs[i]);
          if (c.weight === 0 || !l.includes(0) || !l.includes(1)) return undefined;
          return inv.forward({ embeddings: emb, extra: { languages: l } });
        });
        head = r.head;
        history = r.report.history.map((h) => h.trainLoss);
      },
      transform: (x: Matrix) => applyFitted(head, x, "lang-invariant"),
      state: () => ({ trainLoss: history, head: head ? Object.keys(head.stateDict()) : null }),
    };
  },
});
