/**
 * `tfidf-text`: a training-free text backbone: scikit-learn-exact TF-IDF (core/retrieval/tfidf.ts)
 * laid out densely. The first embed() call fits the vocabulary and idf (give it the corpus first, as the
 * ir-eval pipeline does); later calls reuse them. Dimensions are ordered by corpus term frequency, most
 * frequent first, so truncating to the first k dimensions and re-normalising equals scikit-learn's
 * TfidfVectorizer(max_features=k) (ties at the cut broken alphabetically): Matryoshka truncation means
 * something here. With `hashing`, terms beyond `dim` share buckets by signed feature hashing instead of
 * being refused.
 * @module
 */
import type { Backbone, BackboneInput } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError, InputError } from "../../core/errors.ts";
import { TfidfModel, tokenize } from "../../core/retrieval/tfidf.ts";
import { fnv1a } from "../../core/hash.ts";

/** `tfidf-text` backbone plugin. */
export const tfidfTextBackbone = definePlugin({
  kind: "backbone",
  name: "tfidf-text",
  description:
    "TF-IDF text embeddings (scikit-learn exact, fitted on the first batch; dims ordered by term frequency)",
  module: import.meta.url,
  options: {
    dim: opt.integer(
      8192,
      "embedding dimension: vocabulary terms by corpus frequency (must cover the vocabulary unless hashing)",
      { min: 1, max: 1 << 20 },
    ),
    hashing: opt.boolean(
      false,
      "fold terms beyond dim into dim buckets by signed hashing instead of refusing",
    ),
  },
  create(c, _ctx, component): Backbone {
    let model: TfidfModel | undefined;
    let slot: Int32Array | undefined; // vocabulary index -> dense dimension (or hashed bucket)
    let sign: Float32Array | undefined;
    let fittedOn = 0;
    const fit = (texts: string[]) => {
      model = TfidfModel.fit(texts);
      const nv = model.vocabulary.size;
      if (nv > c.dim && !c.hashing) {
        throw new ConfigError(
          component,
          `the vocabulary has ${nv} terms but dim is ${c.dim}; raise dim to >= ${nv} or set hashing: true`,
        );
      }
      const count = new Float64Array(nv);
      for (const t of texts) for (const w of tokenize(t)) count[model.vocabulary.get(w)!]++;
      // vocabulary indices are alphabetical; order by total count (desc), ties alphabetical
      const order = Array.from({ length: nv }, (_, i) => i).sort((a, b) => count[b] - count[a] || a - b);
      slot = new Int32Array(nv);
      sign = new Float32Array(nv).fill(1);
      const terms = [...model.vocabulary.keys()];
      order.forEach((v, rank) => {
        if (rank < c.dim) slot![v] = rank;
        else {
          const h = fnv1a(terms[v]);
          slot![v] = h % c.dim;
          sign![v] = h & 0x80000000 ? -1 : 1;
        }
      });
      fittedOn = texts.length;
    };
    return {
      dim: c.dim,
      modality: "text",
      info: () => ({
        model: "tfidf-text (scikit-learn TfidfVectorizer defaults)",
        vocabulary: model?.vocabulary.size ?? 0,
        fittedOn,
        ...c,
      }),
      embed(inputs: readonly BackboneInput[]): Promise<Float32Array[]> {
        const texts = inputs.map((x) => {
          if (typeof x.text !== "string") throw new InputError(x.id, "no text (tfidf-text embeds text)");
          return x.text;
        });
        if (!model) fit(texts);
        return Promise.resolve(
          model!.transform(texts).map((r) => {
            const out = new Float32Array(c.dim);
            for (let i = 0; i < r.indices.length; i++) {
              out[slot![r.indices[i]]] += sign![r.indices[i]] * r.values[i];
            }
            if (c.hashing) {
              let n = 0;
              for (const v of out) n += v * v;
              if (n > 0) { for (let i = 0; i < out.length; i++) out[i] /= Math.sqrt(n); }
            }
            return out;
          }),
        );
      },
    };
  },
});
