/**
 * `hybrid-rrf`: BM25 and a dense text backbone fused by reciprocal-rank fusion (Cormack et al. 2009),
 * score(d) = w_lex / (c + rank_bm25(d)) + w_dense / (c + rank_dense(d)) over each system's top `depth`.
 * The dense backbone comes from the registry creating this one (`dense` + `denseOptions`); `rank()`
 * honours a Matryoshka `dim` for the dense part. Like `bm25`, it ranks and does not embed.
 * @module
 */
import type { Backbone } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import { registry as globalRegistry } from "../../core/registry.ts";
import { Bm25Index } from "../../core/retrieval/bm25.ts";
import { denseRankings, reciprocalRankFusion } from "../../core/retrieval/fusion.ts";
import { fromRows } from "../../core/matrix.ts";
import { textsOf } from "./bm25.ts";

/** `hybrid-rrf` backbone plugin. */
export const hybridRrfBackbone = definePlugin({
  kind: "backbone",
  name: "hybrid-rrf",
  description: "BM25 + a dense text backbone fused by reciprocal-rank fusion; ranks, does not embed",
  module: import.meta.url,
  options: {
    dense: opt.string("text", "registry name of the dense text backbone (e.g. text, tfidf-text)"),
    denseOptions: opt.json<Record<string, unknown>>(
      {},
      'options of the dense backbone, e.g. {"model": "zoo:embedkit-text-debian"}',
      (v) => (v && typeof v === "object" && !Array.isArray(v) ? undefined : "must be an object of options"),
    ),
    k1: opt.number(1.2, "BM25 k1", { min: 0 }),
    b: opt.number(0.75, "BM25 b", { min: 0, max: 1 }),
    c: opt.number(60, "RRF constant c", { gt: 0 }),
    depth: opt.integer(100, "hits taken from each system before fusing", { min: 1 }),
    lexicalWeight: opt.number(1, "weight of the BM25 ranks", { min: 0 }),
    denseWeight: opt.number(1, "weight of the dense ranks", { min: 0 }),
  },
  validate(c) {
    if (c.dense === "hybrid-rrf" || c.dense === "bm25") {
      throw new ConfigError(
        "backbone 'hybrid-rrf'",
        `'dense' must name a dense text backbone, got '${c.dense}'`,
      );
    }
  },
  async create(c, ctx): Promise<Backbone> {
    const reg = ctx?.registry ?? globalRegistry;
    const dense = await reg.create("backbone", c.dense, c.denseOptions);
    if (dense.modality !== "text") {
      throw new ConfigError("backbone 'hybrid-rrf'", `'${c.dense}' embeds ${dense.modality}, not text`);
    }
    return {
      dim: 0,
      modality: "text",
      info: () => ({ backbone: "hybrid-rrf", ...c, denseInfo: dense.info() }),
      embed: () =>
        Promise.reject(new Error("backbone 'hybrid-rrf' ranks (rank()) and has no vectors; use ir-eval")),
      async rank(queries, corpus, k, opts) {
        const depth = Math.max(c.depth, k);
        const lexical = Bm25Index.fit(textsOf(corpus, "hybrid-rrf"), c).search(
          textsOf(queries, "hybrid-rrf"),
          depth,
        );
        // the corpus first, so a backbone that fits on its first batch (tfidf-text) fits on the corpus
        const d = fromRows(await dense.embed(corpus), dense.dim);
        const q = fromRows(await dense.embed(queries), dense.dim);
        const semantic = denseRankings(q, d, depth, opts?.dim ?? dense.dim);
        return reciprocalRankFusion([lexical, semantic], {
          c: c.c,
          weights: [c.lexicalWeight, c.denseWeight],
          k,
        });
      },
      dispose: () => dense.dispose?.(),
    };
  },
});
