/**
 * External clustering metrics with scikit-learn's definitions: adjusted Rand index, (normalised) mutual
 * information (natural log; default normalisation = arithmetic mean of the entropies, sklearn's default),
 * purity, and cluster accuracy under the optimal (Hungarian) one-to-one cluster -> class mapping.
 * Labels may be numbers or strings; only equality matters.
 * @module
 */
import { maxWeightAssignment } from "../math/hungarian.ts";

/** A labelling: one label per item. */
export type Labels = ArrayLike<number | string>;

/** Contingency table: `table[c * nPred + k]` = items with true class c and predicted cluster k. */
export interface Contingency {
  /** Number of distinct true classes. */
  readonly nTrue: number;
  /** Number of distinct predicted clusters. */
  readonly nPred: number;
  /** Number of items. */
  readonly n: number;
  /** Counts, row-major nTrue x nPred. */
  readonly table: Float64Array;
}

function codes(labels: Labels): { codes: Int32Array; count: number } {
  const ids = new Map<number | string, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (typeof l === "number" && !Number.isFinite(l)) throw new RangeError(`label ${i} is ${l}`);
    let k = ids.get(l);
    if (k === undefined) ids.set(l, k = ids.size);
    out[i] = k;
  }
  return { codes: out, count: ids.size };
}

/** Builds the contingency table of two labellings of the same items. */
export function contingencyTable(labelsTrue: Labels, labelsPred: Labels): Contingency {
  if (labelsTrue.length !== labelsPred.length) {
    throw new RangeError(
      `labellings differ in length: ${labelsTrue.length} true vs ${labelsPred.length} predicted`,
    );
  }
  const t = codes(labelsTrue), p = codes(labelsPred);
  const table = new Float64Array(t.count * p.count);
  for (let i = 0; i < t.codes.length; i++) table[t.codes[i] * p.count + p.codes[i]]++;
  return { nTrue: t.count, nPred: p.count, n: labelsTrue.length, table };
}

function marginals(c: Contingency): { rows: Float64Array; cols: Float64Array } {
  const rows = new Float64Array(c.nTrue), cols = new Float64Array(c.nPred);
  for (let i = 0; i < c.nTrue; i++) {
    for (let j = 0; j < c.nPred; j++) {
      const v = c.table[i * c.nPred + j];
      rows[i] += v;
      cols[j] += v;
    }
  }
  return { rows, cols };
}

/** Adjusted Rand index (sklearn adjusted_rand_score, exact integer pair counts). */
export function adjustedRandIndex(labelsTrue: Labels, labelsPred: Labels): number {
  const c = contingencyTable(labelsTrue, labelsPred);
  const { rows, cols } = marginals(c);
  const n = BigInt(c.n);
  let sumSq = 0n, rowDot = 0n, colDot = 0n;
  for (let i = 0; i < c.nTrue; i++) {
    for (let j = 0; j < c.nPred; j++) {
      const v = BigInt(c.table[i * c.nPred + j]);
      if (v === 0n) continue;
      sumSq += v * v;
      colDot += v * BigInt(cols[j]);
      rowDot += v * BigInt(rows[i]);
    }
  }
  const tp = sumSq - n, fp = colDot - sumSq, fn = rowDot - sumSq;
  const tn = n * n - fp - fn - sumSq;
  if (fn === 0n && fp === 0n) return 1;
  return Number(2n * (tp * tn - fn * fp)) / Number((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

/** Entropy (nats) of a labelling given its class counts. */
function entropyOf(counts: Float64Array): number {
  const pi = [...counts].filter((x) => x > 0);
  if (pi.length <= 1) return 0;
  const s = pi.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const p of pi) h -= (p / s) * (Math.log(p) - Math.log(s));
  return h;
}

/** Mutual information in nats (sklearn mutual_info_score). */
export function mutualInformation(labelsTrue: Labels, labelsPred: Labels): number {
  return miOf(contingencyTable(labelsTrue, labelsPred));
}

function miOf(c: Contingency): number {
  const { rows, cols } = marginals(c);
  if (c.nTrue === 1 || c.nPred === 1) return 0;
  const total = c.n;
  let mi = 0;
  for (let i = 0; i < c.nTrue; i++) {
    for (let j = 0; j < c.nPred; j++) {
      const v = c.table[i * c.nPred + j];
      if (v === 0) continue;
      const nm = v / total;
      const logOuter = -Math.log(rows[i] * cols[j]) + 2 * Math.log(total);
      let term = nm * (Math.log(v) - Math.log(total)) + nm * logOuter;
      if (Math.abs(term) < Number.EPSILON) term = 0;
      mi += term;
    }
  }
  return Math.max(mi, 0);
}

/** How the two entropies are averaged to normalise MI (sklearn `average_method`). */
export type NmiAverage = "arithmetic" | "geometric" | "min" | "max";

/** Normalised mutual information (sklearn normalized_mutual_info_score; default arithmetic mean). */
export function normalizedMutualInformation(
  labelsTrue: Labels,
  labelsPred: Labels,
  average: NmiAverage = "arithmetic",
): number {
  const c = contingencyTable(labelsTrue, labelsPred);
  // Both labellings unsplit (or empty): a perfect match by sklearn's convention.
  if (c.nTrue === c.nPred && c.nTrue <= 1) return 1;
  const mi = miOf(c);
  if (mi === 0) return 0;
  const { rows, cols } = marginals(c);
  const ht = entropyOf(rows), hp = entropyOf(cols);
  const norm = average === "arithmetic"
    ? (ht + hp) / 2
    : average === "geometric"
    ? Math.sqrt(ht * hp)
    : average === "min"
    ? Math.min(ht, hp)
    : Math.max(ht, hp);
  return mi / norm;
}

/** Purity: fraction of items whose cluster's majority class is their class. */
export function purity(labelsTrue: Labels, labelsPred: Labels): number {
  const c = contingencyTable(labelsTrue, labelsPred);
  if (c.n === 0) return 1;
  let s = 0;
  for (let j = 0; j < c.nPred; j++) {
    let m = 0;
    for (let i = 0; i < c.nTrue; i++) m = Math.max(m, c.table[i * c.nPred + j]);
    s += m;
  }
  return s / c.n;
}

/** Cluster accuracy: best one-to-one cluster -> class mapping (Hungarian), fraction of items right. */
export function clusterAccuracy(labelsTrue: Labels, labelsPred: Labels): number {
  const c = contingencyTable(labelsTrue, labelsPred);
  if (c.n === 0) return 1;
  return maxWeightAssignment(c.table, c.nTrue, c.nPred).cost / c.n;
}

/** All four metrics at once (NMI arithmetic). */
export function clusterMetrics(labelsTrue: Labels, labelsPred: Labels): {
  ari: number;
  nmi: number;
  purity: number;
  accuracy: number;
} {
  return {
    ari: adjustedRandIndex(labelsTrue, labelsPred),
    nmi: normalizedMutualInformation(labelsTrue, labelsPred),
    purity: purity(labelsTrue, labelsPred),
    accuracy: clusterAccuracy(labelsTrue, labelsPred),
  };
}
