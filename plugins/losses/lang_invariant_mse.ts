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
import type { LossPlugin } from "../../core/contracts/mod.ts";
import { check } from "../../core/config.ts";
import { mean, rows, scale, square, sub } from "../../core/autodiff/mod.ts";
import { embeddings2d } from "../../core/nn/loss_helpers.ts";

/** Options of the language-invariance loss. */
export interface LangInvariantConfig {
  form: "within-sample" | "batch-language";
  weight: number;
}

/** `lang-invariant-mse` loss plugin. */
export const langInvariantMseLoss: LossPlugin<LangInvariantConfig> = {
  kind: "loss",
  name: "lang-invariant-mse",
  description: "language-invariance MSE (CRMI-DKU): within-sample pairs or batch language means",
  defaults: { form: "within-sample", weight: 1 },
  options: {
    form:
      "'within-sample' (paired embeddings in `positives`) or 'batch-language' (means of the two languages)",
    weight: "multiplier of the loss",
  },
  validate(c) {
    check.oneOf("loss 'lang-invariant-mse'", "form", c.form, ["within-sample", "batch-language"] as const);
    check.nonNegative("loss 'lang-invariant-mse'", "weight", c.weight);
  },
  create(c) {
    return {
      parameters: () => [],
      forward(input) {
        const x = embeddings2d(input.embeddings, undefined, "lang-invariant-mse");
        const B = x.shape[0];
        if (c.form === "within-sample") {
          if (!input.positives) {
            throw new RangeError(
              "lang-invariant-mse: within-sample form needs 'positives' (same speaker, other language)",
            );
          }
          const p = embeddings2d(input.positives, x.shape[1], "lang-invariant-mse", "positives");
          if (p.shape[0] !== B) {
            throw new RangeError(`lang-invariant-mse: ${B} embeddings but ${p.shape[0]} positives`);
          }
          return scale(mean(square(sub(x, p))), c.weight);
        }
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
      },
    };
  },
};
