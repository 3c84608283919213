/**
 * Language-invariance MSE of the CRMI-DKU system (cross-lingual speaker verification), two forms:
 * - "within-sample": embeddings[i] and positives[i] are the same speaker in two languages;
 *   L = mean over all values of (e_i − p_i)².
 * - "batch-language": L = mean_d (μ_A − μ_B)², the squared distance between the mean embedding of
 *   each language in the batch; languages come from `extra.languages` (Int32Array of 0/1) or, when
 *   absent, the first half of the batch is language A and the second half B.
 * The result is multiplied by `weight`.
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { mean, rows, scale, square, sub } from "../../core/autodiff/mod.ts";
import { embeddings2d } from "../../core/nn/loss_helpers.ts";
import { pairedEmbeddings, statelessLoss, WEIGHT_OPTION } from "./loss_kit.ts";

/** `lang-invariant-mse` loss plugin. */
export const langInvariantMseLoss = definePlugin({
  kind: "loss",
  name: "lang-invariant-mse",
  description: "language-invariance MSE (CRMI-DKU): within-sample pairs or batch language means",
  module: import.meta.url,
  options: {
    form: opt.oneOf(
      ["within-sample", "batch-language"] as const,
      "within-sample",
      "'within-sample' (paired embeddings in `positives`) or 'batch-language' (means of the two languages)",
    ),
    weight: WEIGHT_OPTION,
  },
  create: (c): Loss =>
    statelessLoss((input) => {
      if (c.form === "within-sample") {
        const [x, p] = pairedEmbeddings(
          input,
          "lang-invariant-mse",
          "same speaker, other language: the within-sample form pairs them",
        );
        return scale(mean(square(sub(x, p))), c.weight);
      }
      const x = embeddings2d(input.embeddings, undefined, "lang-invariant-mse");
      const B = x.shape[0];
      const lang = input.extra?.languages as Int32Array | undefined;
      let a: number[], b: number[];
      if (lang) {
        if (lang.length !== B) {
          throw new RangeError(`lang-invariant-mse: ${lang.length} language ids for ${B} embeddings`);
        }
        const odd = lang.findIndex((l) => l !== 0 && l !== 1);
        if (odd >= 0) {
          throw new RangeError(
            `lang-invariant-mse: extra.languages must be 0 or 1; row ${odd} has ${lang[odd]}`,
          );
        }
        a = [], b = [];
        lang.forEach((l, i) => (l === 0 ? a : b).push(i));
      } else {
        if (B % 2) {
          throw new RangeError(
            `lang-invariant-mse: batch of ${B} cannot split into two language halves; pass extra.languages`,
          );
        }
        a = Array.from({ length: B / 2 }, (_, i) => i);
        b = a.map((i) => i + B / 2);
      }
      if (!a.length || !b.length) {
        throw new RangeError("lang-invariant-mse: batch-language form needs both languages in the batch");
      }
      const muA = mean(rows(x, a), 0), muB = mean(rows(x, b), 0);
      return scale(mean(square(sub(muA, muB))), c.weight);
    }),
});
