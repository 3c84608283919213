/**
 * Dense rankings and rank fusion for retrieval:
 * - {@link denseRankings}: cosine top-k of each query among the corpus rows after Matryoshka truncation
 *   to the first `dim` components (the WASM tiled kernel: never the full queries x corpus matrix);
 * - {@link reciprocalRankFusion}: Cormack, Clarke & Büttcher (SIGIR 2009), score(d) = Σ_s w_s / (c + rank_s(d))
 *   with 1-based ranks over each system's list (c = 60 in the paper); documents outside a list get
 *   nothing from it. Ties: the lower corpus row first.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { topkTiled } from "../kernels/distance.ts";
import type { Ranking } from "./bm25.ts";

/** The first `dim` columns of every row (a copy; `dim` = cols returns the matrix itself). */
export function truncateCols(m: Matrix, dim: number): Matrix {
  if (!(Number.isInteger(dim) && dim >= 1 && dim <= m.cols)) {
    throw new RangeError(`Matryoshka dim ${dim} must be an integer in [1, ${m.cols}]`);
  }
  if (dim === m.cols) return m;
  const out = new Float32Array(m.rows * dim);
  for (let r = 0; r < m.rows; r++) out.set(m.data.subarray(r * m.cols, r * m.cols + dim), r * dim);
  return { rows: m.rows, cols: dim, data: out };
}

/** Cosine top-k corpus rows of every query, after truncation to `dim` (default: all columns). */
export function denseRankings(queries: Matrix, corpus: Matrix, k: number, dim = queries.cols): Ranking[] {
  if (queries.cols !== corpus.cols) {
    throw new RangeError(`query dim ${queries.cols} != corpus dim ${corpus.cols}`);
  }
  const q = truncateCols(queries, dim), c = truncateCols(corpus, dim);
  const kk = Math.min(k, corpus.rows);
  const { indices, values } = topkTiled(q, c, kk, "cosine");
  return Array.from({ length: queries.rows }, (_, i) => ({
    indices: indices.slice(i * kk, (i + 1) * kk),
    scores: values.slice(i * kk, (i + 1) * kk),
  }));
}

/** Options of {@link reciprocalRankFusion}. */
export interface RrfOptions {
  /** The constant c (default 60). */
  readonly c?: number;
  /** One weight per system (default all 1). */
  readonly weights?: readonly number[];
  /** Length of the fused lists (default: the longest input list). */
  readonly k?: number;
}

/** Fuses several systems' rankings of the same queries. */
export function reciprocalRankFusion(
  systems: readonly (readonly Ranking[])[],
  o: RrfOptions = {},
): Ranking[] {
  if (!systems.length) throw new RangeError("reciprocalRankFusion: no systems to fuse");
  const c = o.c ?? 60, nq = systems[0].length;
  const w = o.weights ?? systems.map(() => 1);
  if (w.length !== systems.length) {
    throw new RangeError(`reciprocalRankFusion: ${w.length} weights for ${systems.length} systems`);
  }
  for (const s of systems) {
    if (s.length !== nq) {
      throw new RangeError(`reciprocalRankFusion: systems rank ${s.length} vs ${nq} queries`);
    }
  }
  const out: Ranking[] = [];
  for (let q = 0; q < nq; q++) {
    const acc = new Map<number, number>();
    let longest = 0;
    systems.forEach((s, si) => {
      const r = s[q].indices;
      longest = Math.max(longest, r.length);
      for (let i = 0; i < r.length; i++) acc.set(r[i], (acc.get(r[i]) ?? 0) + w[si] / (c + i + 1));
    });
    const k = Math.min(o.k ?? longest, acc.size);
    const sorted = [...acc].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
    out.push({
      indices: Int32Array.from(sorted, (e) => e[0]),
      scores: Float32Array.from(sorted, (e) => e[1]),
    });
  }
  return out;
}
