/**
 * Okapi BM25 (Robertson & Zaragoza 2009) over scikit-learn's default tokens (core/retrieval/tfidf.ts
 * `tokenize`: lower-case, runs of >= 2 word characters), with Lucene's idf (never negative):
 *
 *   score(q, d) = Σ_{t ∈ q} qtf(t) · idf(t) · tf(t,d)·(k1 + 1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 *   idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
 *
 * |d| counts the document's tokens; query terms count as often as they occur (rank_bm25 and a
 * CountVectorizer product do the same). Defaults k1 = 1.2, b = 0.75. The index is an inverted file,
 * so scoring costs the postings of the query's terms; rankings break ties by the lower corpus row.
 * @module
 */
import { tokenize } from "./tfidf.ts";
import { insertTopK } from "./top_k.ts";

/** Options of {@link Bm25Index}. */
export interface Bm25Options {
  /** Term-frequency saturation (default 1.2). */
  readonly k1?: number;
  /** Length normalisation, 0..1 (default 0.75). */
  readonly b?: number;
}

/** The top hits of one query: corpus rows best first and their scores. */
export interface Ranking {
  /** Corpus rows, best first (ties: lower row first). */
  readonly indices: Int32Array;
  /** Scores matching `indices`. */
  readonly scores: Float32Array;
}

/** Top-k of a dense score row (ties: lower index first; NaN refused upstream). */
export function topKOfRow(scores: ArrayLike<number>, k: number): Ranking {
  const n = scores.length, kk = Math.min(k, n);
  const idx = new Int32Array(kk), val = new Float64Array(kk).fill(-Infinity);
  let m = 0;
  for (let j = 0; j < n; j++) m = insertTopK(idx, val, m, j, scores[j]);
  return { indices: idx.subarray(0, m), scores: Float32Array.from(val.subarray(0, m)) };
}

/** A fitted BM25 index over a corpus. */
export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  /** Term -> term id. */
  readonly vocabulary = new Map<string, number>();
  /** idf per term id. */
  idf = new Float64Array(0);
  /** Postings per term id: document rows and their precomputed term weights (without idf). */
  #docs: Int32Array[] = [];
  #weights: Float64Array[] = [];
  /** Number of documents. */
  size = 0;
  /** Mean document length in tokens. */
  avgdl = 0;

  constructor(opts: Bm25Options = {}) {
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
    if (!(this.k1 >= 0)) throw new RangeError(`bm25: k1 must be >= 0, got ${this.k1}`);
    if (!(this.b >= 0 && this.b <= 1)) throw new RangeError(`bm25: b must be in [0, 1], got ${this.b}`);
  }

  /** Builds the index of `corpus`. */
  static fit(corpus: readonly string[], opts: Bm25Options = {}): Bm25Index {
    const ix = new Bm25Index(opts);
    const docTf: Map<number, number>[] = [];
    const lens = new Float64Array(corpus.length);
    const postings: number[][] = [];
    corpus.forEach((text, d) => {
      const tf = new Map<number, number>();
      const toks = tokenize(text);
      lens[d] = toks.length;
      for (const t of toks) {
        let id = ix.vocabulary.get(t);
        if (id === undefined) {
          ix.vocabulary.set(t, id = ix.vocabulary.size);
          postings.push([]);
        }
        const c = tf.get(id);
        if (c === undefined) postings[id].push(d);
        tf.set(id, (c ?? 0) + 1);
      }
      docTf.push(tf);
    });
    const N = corpus.length;
    ix.size = N;
    ix.avgdl = N ? lens.reduce((a, x) => a + x, 0) / N : 0;
    ix.idf = Float64Array.from(postings, (p) => Math.log(1 + (N - p.length + 0.5) / (p.length + 0.5)));
    const { k1, b } = ix;
    ix.#docs = postings.map((p) => Int32Array.from(p));
    ix.#weights = postings.map((p, id) =>
      Float64Array.from(p, (d) => {
        const tf = docTf[d].get(id)!;
        const norm = ix.avgdl > 0 ? 1 - b + (b * lens[d]) / ix.avgdl : 1;
        return (tf * (k1 + 1)) / (tf + k1 * norm);
      })
    );
    return ix;
  }

  /** Scores of one query against every document, into `out` (length = corpus size, overwritten). */
  scoreInto(query: string, out: Float64Array): Float64Array {
    out.fill(0);
    const qtf = new Map<number, number>();
    for (const t of tokenize(query)) {
      const id = this.vocabulary.get(t);
      if (id !== undefined) qtf.set(id, (qtf.get(id) ?? 0) + 1);
    }
    for (const [id, c] of qtf) {
      const w = c * this.idf[id], docs = this.#docs[id], tw = this.#weights[id];
      for (let i = 0; i < docs.length; i++) out[docs[i]] += w * tw[i];
    }
    return out;
  }

  /** The top `k` documents of each query. */
  search(queries: readonly string[], k: number, onQuery?: (done: number) => void): Ranking[] {
    const buf = new Float64Array(this.size);
    return queries.map((q, i) => {
      const r = topKOfRow(this.scoreInto(q, buf), k);
      onQuery?.(i + 1);
      return r;
    });
  }
}
