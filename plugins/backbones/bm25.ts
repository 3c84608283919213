/**
 * `bm25`: a lexical retriever as a backbone. It has no dense vectors (a 5605 x vocabulary matrix
 * would not fit): it implements the optional `rank()` of the backbone contract, which retrieval
 * evaluation calls instead of embed() + cosine; `embed()` refuses with the reason. Okapi BM25 with
 * Lucene's idf over scikit-learn's default tokens (core/retrieval/bm25.ts); the index is built on the
 * corpus each `rank()` call receives.
 * @module
 */
import type { Backbone, BackboneInput } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { InputError } from "../../core/errors.ts";
import { Bm25Index } from "../../core/retrieval/bm25.ts";
import { Progress } from "../../core/progress.ts";

/** The texts of backbone inputs, refusing inputs without one. */
export function textsOf(inputs: readonly BackboneInput[], who: string): string[] {
  return inputs.map((x) => {
    if (typeof x.text !== "string") throw new InputError(x.id, `no text (${who} ranks texts)`);
    return x.text;
  });
}

/** `bm25` backbone plugin. */
export const bm25Backbone = definePlugin({
  kind: "backbone",
  name: "bm25",
  description: "Okapi BM25 lexical retriever (Lucene idf, scikit-learn tokens); ranks, does not embed",
  module: import.meta.url,
  options: {
    k1: opt.number(1.2, "term-frequency saturation k1", { min: 0 }),
    b: opt.number(0.75, "document-length normalisation b", { min: 0, max: 1 }),
  },
  create(c): Backbone {
    let fitted = 0;
    return {
      dim: 0,
      modality: "text",
      info: () => ({
        backbone: "bm25",
        k1: c.k1,
        b: c.b,
        idf: "lucene",
        tokens: "scikit-learn default",
        fitted,
      }),
      embed(): Promise<Float32Array[]> {
        return Promise.reject(
          new Error(
            "backbone 'bm25' is a lexical retriever without dense vectors: use it where retrieval is " +
              "evaluated (ir-eval), which calls its rank(); for vectors use tfidf-text or a text model",
          ),
        );
      },
      rank(queries, corpus, k) {
        const index = Bm25Index.fit(textsOf(corpus, "bm25"), c);
        fitted = corpus.length;
        const bar = new Progress("bm25 rank", queries.length);
        const out = index.search(textsOf(queries, "bm25"), k, () => bar.tick());
        bar.done();
        return Promise.resolve(out);
      },
    };
  },
});
