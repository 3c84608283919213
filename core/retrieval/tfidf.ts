/**
 * TF-IDF exactly as scikit-learn's TfidfVectorizer with its defaults, so retrieval metrics can be
 * checked against a Python run to 1e-6:
 * - tokens: lower-cased text, maximal runs of word characters of length >= 2 (token_pattern
 *   `(?u)\b\w\w+\b`; word characters = Unicode letters, numbers and `_`, as Python's `\w`);
 * - tf: raw counts; idf: smooth, ln((1 + n) / (1 + df)) + 1; each row L2-normalised.
 * The vocabulary and idf are fitted on the corpus; queries are transformed with them (unknown terms
 * dropped). Rows are sparse (sorted term indices + weights).
 * @module
 */

/** A sparse L2-normalised TF-IDF row. */
export interface SparseRow {
  /** Vocabulary indices, ascending. */
  readonly indices: Int32Array;
  /** Weights matching `indices`. */
  readonly values: Float64Array;
}

// Python's re \w: letters, numbers and '_' (combining marks are NOT word characters there).
const WORD_RUN = /[\p{L}\p{N}_]+/gu;

/** sklearn's default analyzer: lower-case, then runs of >= 2 word characters (code points). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD_RUN)) {
    const t = m[0];
    // Length in code points, as Python counts (one astral character is two UTF-16 units).
    if (t.length > 2 || (t.length === 2 && [...t].length === 2)) out.push(t);
  }
  return out;
}

/** A fitted TF-IDF model. */
export class TfidfModel {
  private constructor(readonly vocabulary: Map<string, number>, readonly idf: Float64Array) {}

  /** Fits vocabulary and smooth idf on a corpus. */
  static fit(corpus: readonly string[]): TfidfModel {
    const df = new Map<string, number>();
    for (const doc of corpus) for (const t of new Set(tokenize(doc))) df.set(t, (df.get(t) ?? 0) + 1);
    // sklearn orders the vocabulary alphabetically (code-point order); keep that for reproducibility.
    const terms = [...df.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const vocab = new Map(terms.map((t, i) => [t, i]));
    const n = corpus.length;
    const idf = Float64Array.from(terms, (t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
    return new TfidfModel(vocab, idf);
  }

  /** TF-IDF rows of texts (terms outside the vocabulary are ignored). */
  transform(texts: readonly string[]): SparseRow[] {
    return texts.map((text) => {
      const tf = new Map<number, number>();
      for (const t of tokenize(text)) {
        const k = this.vocabulary.get(t);
        if (k !== undefined) tf.set(k, (tf.get(k) ?? 0) + 1);
      }
      const indices = Int32Array.from([...tf.keys()].sort((a, b) => a - b));
      const values = Float64Array.from(indices, (k) => tf.get(k)! * this.idf[k]);
      let norm = 0;
      for (const v of values) norm += v * v;
      norm = Math.sqrt(norm);
      if (norm > 0) { for (let i = 0; i < values.length; i++) values[i] /= norm; }
      return { indices, values };
    });
  }
}

/**
 * Cosine scores (dot products of L2-normalised rows) of every query against every document, as a
 * queries x docs row-major Float64Array. Uses an inverted index, so cost follows the shared terms.
 */
export function sparseCosineScores(queries: readonly SparseRow[], docs: readonly SparseRow[]): Float64Array {
  const postings = new Map<number, { doc: number[]; w: number[] }>();
  docs.forEach((d, j) => {
    for (let i = 0; i < d.indices.length; i++) {
      let p = postings.get(d.indices[i]);
      if (!p) postings.set(d.indices[i], p = { doc: [], w: [] });
      p.doc.push(j);
      p.w.push(d.values[i]);
    }
  });
  const nd = docs.length;
  const out = new Float64Array(queries.length * nd);
  queries.forEach((q, qi) => {
    const base = qi * nd;
    for (let i = 0; i < q.indices.length; i++) {
      const p = postings.get(q.indices[i]);
      if (!p) continue;
      const qv = q.values[i];
      for (let k = 0; k < p.doc.length; k++) out[base + p.doc[k]] += qv * p.w[k];
    }
  });
  return out;
}
