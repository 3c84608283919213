/**
 * `ir-metrics` metric: retrieval accuracy/precision/recall/MRR/NDCG/MAP@k with the definitions of
 * sentence-transformers' InformationRetrievalEvaluator (see core/retrieval/ir_metrics.ts).
 * Input, one of:
 * - `{ queries: Matrix, corpus: Matrix, relevant }`: cosine retrieval, at every `dims` entry
 *   (Matryoshka truncation + renormalisation; keys `dim_<d>_<metric>@k`), or at full dim when `dims` is empty;
 * - `{ scores, rows, cols, relevant }`: a queries x docs score matrix;
 * - `{ rankings, relevant }`: corpus indices best first.
 * `relevant[q]` lists query q's relevant corpus indices.
 * @module
 */
import type { Metric } from "../../core/contracts/mod.ts";
import { definePlugin, opt, type OptionDecl } from "../../core/plugin.ts";
import type { Matrix } from "../../core/matrix.ts";
import {
  DEFAULT_CUTOFFS,
  evaluateEmbeddingRetrieval,
  type IrCutoffs,
  irMetricsFromRankings,
  irMetricsFromScores,
} from "../../core/retrieval/ir_metrics.ts";

/** A non-empty list of positive integer cut-offs. */
const cutoffList = (def: readonly number[], help: string): OptionDecl<number[]> =>
  opt.numbers(def, help, { integer: true, min: 1, minItems: 1 });

const isMatrix = (m: unknown): m is Matrix =>
  !!m && typeof m === "object" && (m as Matrix).data instanceof Float32Array &&
  Number.isInteger((m as Matrix).rows);

/** `ir-metrics` scorer plugin. */
export const irMetricsMetric = definePlugin({
  kind: "scorer",
  role: "metric",
  name: "ir-metrics",
  description:
    "retrieval accuracy/precision/recall/MRR/NDCG/MAP@k (sentence-transformers definitions), Matryoshka dims",
  module: import.meta.url,
  options: {
    accuracyAtK: cutoffList(DEFAULT_CUTOFFS.accuracyAtK, "cut-offs for accuracy@k"),
    precisionRecallAtK: cutoffList(
      DEFAULT_CUTOFFS.precisionRecallAtK,
      "cut-offs for precision@k and recall@k",
    ),
    mrrAtK: cutoffList(DEFAULT_CUTOFFS.mrrAtK, "cut-offs for MRR@k"),
    ndcgAtK: cutoffList(DEFAULT_CUTOFFS.ndcgAtK, "cut-offs for NDCG@k"),
    mapAtK: cutoffList(DEFAULT_CUTOFFS.mapAtK, "cut-offs for MAP@k"),
    dims: opt.numbers(
      [],
      "Matryoshka dims to evaluate embedding input at (truncate + renormalise); [] = full dim",
      { integer: true, min: 1 },
    ),
  },
  create(c): Metric {
    const cutoffs: IrCutoffs = c;
    return {
      role: "metric",
      compute(input) {
        const relevant = input.relevant as (Iterable<number> | undefined)[] | undefined;
        if (!Array.isArray(relevant)) {
          throw new TypeError("ir-metrics needs 'relevant': one list of corpus indices per query");
        }
        if (isMatrix(input.queries) && isMatrix(input.corpus)) {
          const dims = c.dims.length ? c.dims : [input.queries.cols];
          const res = evaluateEmbeddingRetrieval(input.queries, input.corpus, relevant, dims, cutoffs);
          if (!c.dims.length) return res.get(input.queries.cols)!;
          const out: Record<string, number> = {};
          for (const [d, m] of res) for (const [k, v] of Object.entries(m)) out[`dim_${d}_${k}`] = v;
          return out;
        }
        if (Array.isArray(input.rankings)) return irMetricsFromRankings(input.rankings, relevant, cutoffs);
        const scores = input.scores as ArrayLike<number> | undefined;
        if (scores && Number.isInteger(input.rows) && Number.isInteger(input.cols)) {
          return irMetricsFromScores(scores, input.rows as number, input.cols as number, relevant, cutoffs);
        }
        throw new TypeError(
          "ir-metrics needs { queries: Matrix, corpus: Matrix, relevant }, { scores, rows, cols, relevant } or { rankings, relevant }",
        );
      },
    };
  },
});
