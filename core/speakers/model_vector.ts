/**
 * The speaker model-vector convention of the store: the mean of the L2-normalised utterance embeddings,
 * accumulated in float64 (pgvector `avg(l2_normalize(embedding))`, core/speakers/store.ts).
 * @module
 */

/** `v` scaled to unit length (zero stays zero). */
export function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (let j = 0; j < v.length; j++) n += v[j] * v[j];
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * inv);
}

/** Mean of L2-normalised vectors (float64 accumulation), the provisional model before SQL recomputes it. */
export function meanOfNormalised(rows: readonly Float32Array[]): Float32Array {
  const d = rows[0].length, acc = new Float64Array(d);
  for (const r of rows) {
    let n = 0;
    for (let j = 0; j < d; j++) n += r[j] * r[j];
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < d; j++) acc[j] += r[j] * inv;
  }
  return Float32Array.from(acc, (x) => x / rows.length);
}
