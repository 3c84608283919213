/**
 * Retrieval evaluation of a text model during training, as sentence-transformers'
 * InformationRetrievalEvaluator with Matryoshka dims: embed the queries and the corpus, rank the
 * corpus by cosine after truncation to each dim (core/retrieval/fusion.ts, WASM top-k), score the
 * rankings with the `ir-metrics` metric plugin (accuracy/precision/recall@1,3,5,10, NDCG@10, MRR@10,
 * MAP@100), and print the model card's table.
 * @module
 */
import type { Metric } from "../contracts/mod.ts";
import type { Matrix } from "../matrix.ts";
import { denseRankings } from "../retrieval/fusion.ts";
import type { TrainableTextModel } from "./model.ts";

/** dim (as a string key) -> metric name -> value. */
export type DimTable = Record<string, Record<string, number>>;

/** Embeddings of prepared items, in batches, off the training tape. */
export function embedItems<R>(model: TrainableTextModel<R>, items: readonly R[], batch = 1024): Matrix {
  const wasTraining = model.module.training;
  model.module.eval();
  const out = new Float32Array(items.length * model.dim);
  for (let i = 0; i < items.length; i += batch) {
    const t = model.forward(items.slice(i, i + batch));
    out.set(t.data, i * model.dim);
  }
  model.module.train(wasTraining);
  return { rows: items.length, cols: model.dim, data: out };
}

/** Card metrics per Matryoshka dim of query/corpus embeddings (relevant[q] = relevant corpus rows). */
export function retrievalTable(
  queries: Matrix,
  corpus: Matrix,
  relevant: readonly (readonly number[])[],
  dims: readonly number[],
  metric: Metric,
  depth = 100,
): DimTable {
  const out: DimTable = {};
  for (const d of dims) {
    const r = denseRankings(queries, corpus, depth, d);
    out[String(d)] = metric.compute({ rankings: r.map((x) => x.indices), relevant });
  }
  return out;
}

/** The card's metric rows, in its order. */
export const CARD_METRICS = [
  "accuracy@1",
  "accuracy@3",
  "accuracy@5",
  "accuracy@10",
  "precision@1",
  "precision@3",
  "precision@5",
  "precision@10",
  "recall@1",
  "recall@3",
  "recall@5",
  "recall@10",
  "ndcg@10",
  "mrr@10",
  "map@100",
] as const;

/** A Markdown table, one row per metric and one column per system/dim (as the model card prints). */
export function formatCardTable(columns: Record<string, Record<string, number>>): string {
  const names = Object.keys(columns);
  const lines = [
    `| metric | ${names.join(" | ")} |`,
    `| --- | ${names.map(() => "---").join(" | ")} |`,
  ];
  for (const m of CARD_METRICS) {
    const cells = names.map((n) => (columns[n][m] === undefined ? "" : columns[n][m].toFixed(4)));
    lines.push(`| ${m} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
