/**
 * Retrieval metrics with the definitions of sentence-transformers' InformationRetrievalEvaluator
 * (`compute_metrics`), binary relevance:
 * - accuracy@k: 1 if any relevant document is in the top k;
 * - precision@k: relevant in top k / k (divides by k even when fewer than k are relevant);
 * - recall@k: relevant in top k / number relevant;
 * - MRR@k: 1 / rank of the first relevant document in the top k (0 if none);
 * - NDCG@k: DCG with gains 1 / log2(rank + 1) over the top k, divided by the ideal DCG of
 *   min(k, number relevant) relevant documents;
 * - MAP@k: sum over relevant hits in the top k of precision at that rank, / min(k, number relevant).
 * Each is averaged over queries that have at least one relevant document (the others are dropped, as
 * the evaluator does). Defaults: accuracy/precision/recall at 1, 3, 5, 10; NDCG and MRR at 10; MAP at 100.
 *
 * Ranking: higher score first; equal scores keep the lower corpus index first (a stable order, where
 * torch.topk leaves ties unspecified).
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { insertTopK } from "./top_k.ts";

/** Cut-offs per metric. */
export interface IrCutoffs {
  /** Cut-offs of accuracy@k. */
  accuracyAtK: readonly number[];
  /** Cut-offs of precision@k and recall@k. */
  precisionRecallAtK: readonly number[];
  /** Cut-offs of MRR@k. */
  mrrAtK: readonly number[];
  /** Cut-offs of NDCG@k. */
  ndcgAtK: readonly number[];
  /** Cut-offs of MAP@k. */
  mapAtK: readonly number[];
}

/** The evaluator's default cut-offs. */
export const DEFAULT_CUTOFFS: IrCutoffs = {
  accuracyAtK: [1, 3, 5, 10],
  precisionRecallAtK: [1, 3, 5, 10],
  mrrAtK: [10],
  ndcgAtK: [10],
  mapAtK: [100],
};

/** Largest cut-off used. */
export function maxCutoff(c: IrCutoffs): number {
  return Math.max(...c.accuracyAtK, ...c.precisionRecallAtK, ...c.mrrAtK, ...c.ndcgAtK, ...c.mapAtK);
}

/**
 * Top-k corpus indices of every row of a queries x docs score matrix (row-major), best first,
 * ties broken by lower index. NaN scores are refused.
 */
export function topKRows(scores: ArrayLike<number>, rows: number, cols: number, k: number): Int32Array[] {
  if (scores.length !== rows * cols) {
    throw new RangeError(`scores has ${scores.length} entries, expected ${rows}x${cols}`);
  }
  const kk = Math.min(k, cols);
  const out: Int32Array[] = [];
  for (let q = 0; q < rows; q++) {
    const base = q * cols;
    const idx = new Int32Array(kk), val = new Float64Array(kk);
    let n = 0;
    for (let j = 0; j < cols; j++) {
      const s = scores[base + j];
      if (Number.isNaN(s)) throw new RangeError(`score of query ${q}, document ${j} is NaN`);
      n = insertTopK(idx, val, n, j, s);
    }
    out.push(idx.subarray(0, n));
  }
  return out;
}

const dcgAtK = (rel: ArrayLike<number>, k: number) => {
  let d = 0;
  for (let i = 0; i < Math.min(rel.length, k); i++) d += rel[i] / Math.log2(i + 2);
  return d;
};

/**
 * Metrics from rankings (corpus indices best first, at least max-cutoff long when the corpus allows)
 * and each query's relevant corpus indices. Keys: `accuracy@k`, `precision@k`, `recall@k`, `mrr@k`,
 * `ndcg@k`, `map@k`, plus `queries` (number evaluated).
 */
export function irMetricsFromRankings(
  rankings: readonly ArrayLike<number>[],
  relevant: readonly (Iterable<number> | undefined)[],
  cutoffs: IrCutoffs = DEFAULT_CUTOFFS,
): Record<string, number> {
  if (rankings.length !== relevant.length) {
    throw new RangeError(`${rankings.length} rankings for ${relevant.length} relevance lists`);
  }
  const acc = new Map<number, number>(), prec = new Map<number, number>(), rec = new Map<number, number>();
  const mrr = new Map<number, number>(), ndcg = new Map<number, number>(), map = new Map<number, number>();
  const add = (m: Map<number, number>, k: number, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let nq = 0;
  for (let q = 0; q < rankings.length; q++) {
    const rel = new Set(relevant[q] ?? []);
    if (rel.size === 0) continue; // the evaluator drops queries without relevant documents
    nq++;
    const hits = rankings[q];
    const isRel = (i: number) => rel.has(hits[i]) ? 1 : 0;
    for (const k of cutoffs.accuracyAtK) {
      let any = 0;
      for (let i = 0; i < Math.min(k, hits.length); i++) if (isRel(i)) any = 1;
      add(acc, k, any);
    }
    for (const k of cutoffs.precisionRecallAtK) {
      let c = 0;
      for (let i = 0; i < Math.min(k, hits.length); i++) c += isRel(i);
      add(prec, k, c / k);
      add(rec, k, c / rel.size);
    }
    for (const k of cutoffs.mrrAtK) {
      let r = 0;
      for (let i = 0; i < Math.min(k, hits.length); i++) {
        if (isRel(i)) {
          r = 1 / (i + 1);
          break;
        }
      }
      add(mrr, k, r);
    }
    for (const k of cutoffs.ndcgAtK) {
      const predicted = Array.from({ length: Math.min(k, hits.length) }, (_, i) => isRel(i));
      add(ndcg, k, dcgAtK(predicted, k) / dcgAtK(new Array(rel.size).fill(1), k));
    }
    for (const k of cutoffs.mapAtK) {
      let c = 0, s = 0;
      for (let i = 0; i < Math.min(k, hits.length); i++) {
        if (isRel(i)) {
          c++;
          s += c / (i + 1);
        }
      }
      add(map, k, s / Math.min(k, rel.size));
    }
  }
  const out: Record<string, number> = {};
  const put = (name: string, ks: readonly number[], m: Map<number, number>) => {
    for (const k of ks) out[`${name}@${k}`] = nq ? (m.get(k) ?? 0) / nq : 0;
  };
  put("accuracy", cutoffs.accuracyAtK, acc);
  put("precision", cutoffs.precisionRecallAtK, prec);
  put("recall", cutoffs.precisionRecallAtK, rec);
  put("mrr", cutoffs.mrrAtK, mrr);
  put("ndcg", cutoffs.ndcgAtK, ndcg);
  put("map", cutoffs.mapAtK, map);
  out.queries = nq;
  return out;
}

/** Metrics from a queries x docs score matrix (row-major). */
export function irMetricsFromScores(
  scores: ArrayLike<number>,
  rows: number,
  cols: number,
  relevant: readonly (Iterable<number> | undefined)[],
  cutoffs: IrCutoffs = DEFAULT_CUTOFFS,
): Record<string, number> {
  return irMetricsFromRankings(topKRows(scores, rows, cols, maxCutoff(cutoffs)), relevant, cutoffs);
}

/** First `dim` columns of each row, L2-normalised (Matryoshka truncation), in float64. */
function truncateNormalize(m: Matrix, dim: number): Float64Array {
  const out = new Float64Array(m.rows * dim);
  for (let r = 0; r < m.rows; r++) {
    let n = 0;
    for (let c = 0; c < dim; c++) {
      const v = m.data[r * m.cols + c];
      out[r * dim + c] = v;
      n += v * v;
    }
    n = Math.sqrt(n);
    if (n > 0) { for (let c = 0; c < dim; c++) out[r * dim + c] /= n; }
  }
  return out;
}

/**
 * Cosine-similarity retrieval evaluated at several Matryoshka dimensions in one call: for each dim,
 * queries and corpus are truncated to their first `dim` components and re-normalised. Returns
 * dim -> metrics. `dims` defaults to the full dimension.
 */
export function evaluateEmbeddingRetrieval(
  queries: Matrix,
  corpus: Matrix,
  relevant: readonly (Iterable<number> | undefined)[],
  dims: readonly number[] = [queries.cols],
  cutoffs: IrCutoffs = DEFAULT_CUTOFFS,
): Map<number, Record<string, number>> {
  if (queries.cols !== corpus.cols) {
    throw new RangeError(`query dim ${queries.cols} != corpus dim ${corpus.cols}`);
  }
  if (relevant.length !== queries.rows) {
    throw new RangeError(`${relevant.length} relevance lists for ${queries.rows} queries`);
  }
  const out = new Map<number, Record<string, number>>();
  const k = maxCutoff(cutoffs);
  for (const dim of dims) {
    if (!Number.isInteger(dim) || dim < 1 || dim > queries.cols) {
      throw new RangeError(`Matryoshka dim ${dim} must be an integer in [1, ${queries.cols}]`);
    }
    const q = truncateNormalize(queries, dim), d = truncateNormalize(corpus, dim);
    const scores = new Float64Array(queries.rows * corpus.rows);
    for (let i = 0; i < queries.rows; i++) {
      for (let j = 0; j < corpus.rows; j++) {
        let s = 0;
        for (let c = 0; c < dim; c++) s += q[i * dim + c] * d[j * dim + c];
        scores[i * corpus.rows + j] = s;
      }
    }
    out.set(dim, irMetricsFromRankings(topKRows(scores, queries.rows, corpus.rows, k), relevant, cutoffs));
  }
  return out;
}
