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
import type { Metric, ScorerPlugin } from "../../core/contracts/mod.ts";
import { ConfigError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import {
  DEFAULT_CUTOFFS,
  evaluateEmbeddingRetrieval,
  type IrCutoffs,
  irMetricsFromRankings,
  irMetricsFromScores,
} from "../../core/retrieval/ir_metrics.ts";

/** Options of the `ir-metrics` metric. */
export interface IrMetricsConfig {
  /** Cut-offs of accuracy@k. */
  accuracyAtK: number[];
  /** Cut-offs of precision@k and recall@k. */
  precisionRecallAtK: number[];
  /** Cut-offs of MRR@k. */
  mrrAtK: number[];
  /** Cut-offs of NDCG@k. */
  ndcgAtK: number[];
  /** Cut-offs of MAP@k. */
  mapAtK: number[];
  /** Matryoshka dims ([] = full dim). */
  dims: number[];
}

const isMatrix = (m: unknown): m is Matrix =>
  !!m && typeof m === "object" && (m as Matrix).data instanceof Float32Array &&
  Number.isInteger((m as Matrix).rows);

/** `ir-metrics` scorer plugin. */
export const irMetricsMetric: ScorerPlugin<IrMetricsConfig, Metric> = {
  kind: "scorer",
  name: "ir-metrics",
  description:
    "retrieval accuracy/precision/recall/MRR/NDCG/MAP@k (sentence-transformers definitions), Matryoshka dims",
  defaults: {
    accuracyAtK: [...DEFAULT_CUTOFFS.accuracyAtK],
    precisionRecallAtK: [...DEFAULT_CUTOFFS.precisionRecallAtK],
    mrrAtK: [...DEFAULT_CUTOFFS.mrrAtK],
    ndcgAtK: [...DEFAULT_CUTOFFS.ndcgAtK],
    mapAtK: [...DEFAULT_CUTOFFS.mapAtK],
    dims: [],
  },
  options: {
    accuracyAtK: "cut-offs for accuracy@k",
    precisionRecallAtK: "cut-offs for precision@k and recall@k",
    mrrAtK: "cut-offs for MRR@k",
    ndcgAtK: "cut-offs for NDCG@k",
    mapAtK: "cut-offs for MAP@k",
    dims: "Matryoshka dims to evaluate embedding input at (truncate + renormalise); [] = full dim",
  },
  validate(c) {
    for (const key of ["accuracyAtK", "precisionRecallAtK", "mrrAtK", "ndcgAtK", "mapAtK", "dims"] as const) {
      const v = c[key];
      if (
        !Array.isArray(v) || !v.every((k) => Number.isInteger(k) && k >= 1) || (key !== "dims" && !v.length)
      ) {
        throw new ConfigError(
          "scorer 'ir-metrics'",
          `'${key}' must be ${key === "dims" ? "a" : "a non-empty"} list of positive integers, got ${
            JSON.stringify(v)
          }`,
        );
      }
    }
  },
  create(c) {
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
};
