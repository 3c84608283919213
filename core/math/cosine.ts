/**
 * Cosine similarity of two vectors, a·b / (|a| |b|), accumulated in float64 (as numpy/scipy do for
 * float64 input, scipy.spatial.distance.cosine). What a degenerate pair gives (a zero or NaN norm) is the
 * caller's: scipy's NaN, or 0 for a score.
 * @module
 */

/** a·b / (|a| |b|) in float64; `degenerate` when either norm is not positive (a zero vector, or a NaN). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, degenerate: number): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : degenerate;
}
