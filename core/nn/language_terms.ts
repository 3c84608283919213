/**
 * The language terms of multi-language speaker training (CRMI-DKU's cross-lingual recipe), added to
 * the classification loss of each batch: the language-invariance MSE between the two languages' mean
 * embeddings in the batch (loss plugin `lang-invariant-mse`, form "batch-language", weighted), and a
 * language classifier behind a gradient reversal layer (loss plugin `domain-adversarial`, Ganin &
 * Lempitsky 2015: the classifier learns the language, the reversed gradient makes the embeddings
 * language-blind). The plugins come through the caller's `create` (a registry).
 * @module
 */
import { add } from "../autodiff/ops.ts";
import type { Tensor } from "../autodiff/tensor.ts";
import type { Loss } from "../contracts/loss.ts";
import type { Languages } from "../data/languages.ts";

/** The terms: their trainable parameters and how they add to a batch's loss. */
export interface LanguageTerms {
  readonly parameters: Tensor[];
  /** `loss` + the terms for embeddings `emb` [B, E] of languages `ids` [B]. */
  add(loss: Tensor, emb: Tensor, ids?: Int32Array): Tensor;
}

/** Builds the terms asked for (weights 0 = off); none without languages. */
export async function languageTerms(
  create: (name: string, options: Record<string, unknown>) => Promise<Loss>,
  cfg: { readonly embedDim: number; readonly langInvariant: number; readonly adversarial: number },
  langs?: Languages,
): Promise<LanguageTerms> {
  if (!langs || (!cfg.langInvariant && !cfg.adversarial)) return { parameters: [], add: (l) => l };
  if (cfg.langInvariant && langs.names.length !== 2) {
    throw new RangeError(
      `the language-invariance MSE compares two languages; found ${langs.names.length} (${
        langs.names.join(", ")
      })`,
    );
  }
  const mse = cfg.langInvariant
    ? await create("lang-invariant-mse", { form: "batch-language", weight: cfg.langInvariant })
    : null;
  const adv = cfg.adversarial
    ? await create("domain-adversarial", {
      dim: cfg.embedDim,
      numDomains: langs.names.length,
      lambda: cfg.adversarial,
      seed: 7,
    })
    : null;
  return {
    parameters: adv ? adv.parameters() : [],
    add(l, emb, ids) {
      let out = l;
      // the MSE needs both languages in the batch; a batch of one language adds nothing
      if (mse && ids && ids.includes(0) && ids.includes(1)) {
        out = add(out, mse.forward({ embeddings: emb, extra: { languages: ids } }));
      }
      if (adv && ids) out = add(out, adv.forward({ embeddings: emb, extra: { domains: ids } }));
      return out;
    },
  };
}
