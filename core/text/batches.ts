/**
 * Batches of text pairs for in-batch-negative losses:
 * - {@link noDuplicatesBatches}: sentence-transformers' NoDuplicatesBatchSampler: pairs in a seeded
 *   shuffle; a pair joins the open batch only if none of its texts (anchor, positive, negative) is in
 *   it already, otherwise it waits for a later batch. With `groups`, pairs of the same group (e.g. the
 *   Debian source package) never share a batch either, so near-identical descriptions are not each
 *   other's negatives. The last batch is kept when it has at least 2 pairs.
 * - {@link mineBm25Negatives}: hard-negative candidates per pair: the BM25 top hits of its anchor among
 *   the training positives, skipping itself, the same text and the same group.
 * @module
 */
import { Bm25Index } from "../retrieval/bm25.ts";
import { insertTopK } from "../retrieval/top_k.ts";
import type { Rng } from "../random.ts";
import { Progress } from "../progress.ts";

/** Shuffled batches of pair indices with no repeated text (or group) inside a batch. */
export function noDuplicatesBatches(
  keys: readonly (readonly string[])[],
  batchSize: number,
  rng: Rng,
): number[][] {
  if (!(batchSize >= 2)) {
    throw new RangeError(`batch size must be >= 2 for in-batch negatives, got ${batchSize}`);
  }
  let rest = rng.shuffle(Array.from({ length: keys.length }, (_, i) => i));
  const out: number[][] = [];
  while (rest.length) {
    const batch: number[] = [], seen = new Set<string>(), later: number[] = [];
    for (const i of rest) {
      if (batch.length < batchSize && keys[i].every((k) => !seen.has(k))) {
        batch.push(i);
        for (const k of keys[i]) seen.add(k);
      } else later.push(i);
    }
    if (batch.length >= 2) out.push(batch);
    if (batch.length < batchSize) break; // what is left cannot fill a batch without duplicates
    rest = later;
  }
  return out;
}

/** BM25 hard-negative candidates: per pair, up to `k` other pair indices whose positive ranks high for its anchor. */
export function mineBm25Negatives(
  anchors: readonly string[],
  positives: readonly string[],
  k: number,
  groups?: readonly (string | undefined)[],
): Int32Array[] {
  const index = Bm25Index.fit(positives);
  const bar = new Progress("mine bm25 negatives", anchors.length);
  const buf = new Float64Array(positives.length);
  const out = anchors.map((a, i) => {
    index.scoreInto(a, buf);
    // candidates: the best k + slack, then drop the excluded ones
    const want = k + 8;
    const idx = new Int32Array(want);
    const val = new Float64Array(want);
    let n = 0;
    for (let j = 0; j < buf.length; j++) {
      const s = buf[j];
      if (s <= 0 || j === i || positives[j] === positives[i]) continue;
      if (groups && groups[i] !== undefined && groups[j] === groups[i]) continue;
      n = insertTopK(idx, val, n, j, s);
    }
    bar.tick();
    return idx.slice(0, Math.min(n, k));
  });
  bar.done();
  return out;
}
