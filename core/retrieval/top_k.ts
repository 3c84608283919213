/**
 * Best-first top-k lists kept by insertion, the selection under BM25 rankings and the IR metrics: a
 * new score goes after every kept entry with a score >= it, so the earlier index wins ties (as a
 * stable descending sort would order them).
 * @module
 */

/**
 * Offers (index `j`, score `s`) to the best-first lists `idx`/`val` that hold `n` entries (capacity
 * `idx.length`); returns the new count. A score not better than the last kept one of a full list is
 * dropped.
 */
export function insertTopK(idx: Int32Array, val: Float64Array, n: number, j: number, s: number): number {
  const kk = idx.length;
  if (n === kk && !(s > val[kk - 1])) return n;
  let p = n < kk ? n : kk - 1;
  while (p > 0 && val[p - 1] < s) {
    val[p] = val[p - 1];
    idx[p] = idx[p - 1];
    p--;
  }
  val[p] = s;
  idx[p] = j;
  return n < kk ? n + 1 : n;
}
