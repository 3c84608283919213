/**
 * Approximate k nearest neighbours for large embedding sets (FINCH above ~70000 points, like the
 * authors' code switching to pynndescent): a forest of random-projection trees (pynndescent-style
 * splits by the hyperplane between two random points) gives candidate neighbours from exact distances
 * inside each leaf, then rounds of neighbour-of-neighbour refinement (NN-descent local joins) improve them.
 * Cost ~ n * (trees * leafSize + rounds * k^2) * d instead of n^2 * d.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { dotMatrix, l2NormalizeRows, sqEuclideanMatrix } from "../kernels/distance.ts";
import { Rng } from "../random.ts";

/** Settings of {@link approxNeighbours}. */
export interface AnnOptions {
  /** Random-projection trees. */
  readonly trees: number;
  /** Largest leaf; exact distances are computed inside each leaf. */
  readonly leafSize: number;
  /** Neighbours kept per point during the search. */
  readonly k: number;
  /** Neighbour-of-neighbour refinement rounds. */
  readonly rounds: number;
  /** Seed of the random splits. */
  readonly seed: number;
}

/** Defaults tuned for 256-d speaker embeddings at 10^5 points. */
export const ANN_DEFAULTS: AnnOptions = { trees: 6, leafSize: 48, k: 8, rounds: 2, seed: 0 };

/**
 * Approximate nearest neighbours (excluding the point itself). Distances: 1 - cos for "cosine",
 * squared Euclidean otherwise. Returns the first neighbour and the k-list (row-major n x k, best first).
 */
export function approxNeighbours(
  x: Matrix,
  metric: "cosine" | "euclidean",
  o: AnnOptions = ANN_DEFAULTS,
): { nn: Int32Array; dist: Float64Array; knn: Int32Array } {
  const n = x.rows, d = x.cols, K = Math.max(1, Math.min(o.k, n - 1));
  const cosine = metric === "cosine";
  const xs = cosine ? l2NormalizeRows({ rows: n, cols: d, data: x.data.slice() }) : x;
  const X = xs.data;
  const rng = new Rng(o.seed);
  const idx = new Int32Array(n * K).fill(-1);
  const val = new Float64Array(n * K).fill(Infinity);
  // insert j into i's sorted list if better than the worst and absent
  const insert = (i: number, j: number, v: number): boolean => {
    const b = i * K;
    if (v >= val[b + K - 1]) return false;
    for (let t = 0; t < K; t++) if (idx[b + t] === j) return false;
    let t = K - 1;
    while (t > 0 && val[b + t - 1] > v) {
      val[b + t] = val[b + t - 1];
      idx[b + t] = idx[b + t - 1];
      t--;
    }
    val[b + t] = v;
    idx[b + t] = j;
    return true;
  };
  const dist = (i: number, j: number): number => {
    let s = 0;
    const a = i * d, c = j * d;
    if (cosine) {
      for (let t = 0; t < d; t++) s += X[a + t] * X[c + t];
      return 1 - s;
    }
    for (let t = 0; t < d; t++) {
      const q = X[a + t] - X[c + t];
      s += q * q;
    }
    return s;
  };

  const all = Int32Array.from({ length: n }, (_, i) => i);
  const dir = new Float64Array(d);
  for (let tree = 0; tree < o.trees; tree++) {
    const stack: Int32Array[] = [all];
    while (stack.length) {
      const node = stack.pop()!;
      const m = node.length;
      if (m <= o.leafSize) {
        leaf(node);
        continue;
      }
      const a = node[rng.int(m)];
      let b = node[rng.int(m)];
      for (let t = 0; t < 3 && b === a; t++) b = node[rng.int(m)];
      let off = 0;
      for (let t = 0; t < d; t++) {
        dir[t] = X[a * d + t] - X[b * d + t];
        off += dir[t] * (X[a * d + t] + X[b * d + t]) * 0.5;
      }
      const side = new Uint8Array(m);
      let nl = 0;
      for (let r = 0; r < m; r++) {
        const p = node[r] * d;
        let s = -off;
        for (let t = 0; t < d; t++) s += X[p + t] * dir[t];
        side[r] = s < 0 || (s === 0 && rng.next() < 0.5) ? 1 : 0;
        nl += side[r];
      }
      if (nl === 0 || nl === m) { // degenerate split (duplicates): random halves
        nl = 0;
        for (let r = 0; r < m; r++) nl += side[r] = r < m / 2 ? 1 : 0;
      }
      const left = new Int32Array(nl), right = new Int32Array(m - nl);
      let li = 0, ri = 0;
      for (let r = 0; r < m; r++) side[r] ? (left[li++] = node[r]) : (right[ri++] = node[r]);
      stack.push(left, right);
    }
  }

  function leaf(node: Int32Array): void {
    const m = node.length;
    if (m < 2) return;
    const L = new Float32Array(m * d);
    for (let r = 0; r < m; r++) L.set(X.subarray(node[r] * d, (node[r] + 1) * d), r * d);
    const lm: Matrix = { rows: m, cols: d, data: L };
    const dm = cosine ? dotMatrix(lm, lm).data : sqEuclideanMatrix(lm, lm).data;
    for (let r = 0; r < m; r++) {
      for (let s = r + 1; s < m; s++) {
        const v = cosine ? 1 - dm[r * m + s] : dm[r * m + s];
        insert(node[r], node[s], v);
        insert(node[s], node[r], v);
      }
    }
  }

  // NN-descent style local joins: neighbours of neighbours.
  const stamp = new Int32Array(n).fill(-1);
  const snapshot = new Int32Array(n * K);
  for (let round = 0; round < o.rounds; round++) {
    snapshot.set(idx);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      stamp[i] = i;
      for (let t = 0; t < K; t++) {
        const j = snapshot[i * K + t];
        if (j >= 0) stamp[j] = i;
      }
      for (let t = 0; t < K; t++) {
        const j = snapshot[i * K + t];
        if (j < 0) continue;
        for (let u = 0; u < K; u++) {
          const l = snapshot[j * K + u];
          if (l < 0 || stamp[l] === i) continue;
          stamp[l] = i;
          const v = dist(i, l);
          if (insert(i, l, v)) changed++;
          insert(l, i, v);
        }
      }
    }
    if (changed === 0) break;
  }

  const nn = new Int32Array(n), best = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (idx[i * K] < 0) { // isolated by every tree (rare): exact scan for this point
      for (let j = 0; j < n; j++) if (j !== i) insert(i, j, dist(i, j));
    }
    nn[i] = idx[i * K];
    best[i] = val[i * K];
  }
  return { nn, dist: best, knn: idx };
}
