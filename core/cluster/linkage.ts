/**
 * Agglomerative (hierarchical) clustering on a condensed distance matrix, following scipy's algorithms
 * so results match `scipy.cluster.hierarchy.linkage` merge for merge:
 *   - single: minimum spanning tree (Prim, O(n^2));
 *   - complete, average, weighted, ward: nearest-neighbour chain (O(n^2), reducible linkages);
 *   - centroid, median: the generic algorithm with cached nearest neighbours (Müllner 2011).
 * Distances are updated with scipy's Lance-Williams forms (ward/centroid/median on unsquared Euclidean
 * distances, as scipy does). Memory: the condensed matrix in float64, n(n-1)/2 values (400 MB at n=10000).
 *
 * The output Z is scipy's linkage matrix: row k = [idA, idB, height, size], ids < n are points,
 * id n+k is the cluster made by row k; rows sorted by height (except centroid/median, which may have
 * inversions and keep merge order, as in scipy).
 * @module
 */
import { rootLabels, unionFind } from "./union_find.ts";

/** The seven linkage rules. */
export const LINKAGES = ["single", "complete", "average", "weighted", "centroid", "median", "ward"] as const;
/** One linkage rule. */
export type Linkage = typeof LINKAGES[number];
/** Linkages whose update formula assumes Euclidean distances. */
export const EUCLIDEAN_ONLY: readonly Linkage[] = ["centroid", "median", "ward"];

type Update = (dxi: number, dyi: number, dxy: number, nx: number, ny: number, ni: number) => number;

/** Lance-Williams updates exactly as scipy's _hierarchy_distance_update.pxi. */
const UPDATES: Record<Linkage, Update> = {
  single: (dxi, dyi) => Math.min(dxi, dyi),
  complete: (dxi, dyi) => Math.max(dxi, dyi),
  average: (dxi, dyi, _dxy, nx, ny) => (nx * dxi + ny * dyi) / (nx + ny),
  weighted: (dxi, dyi) => 0.5 * (dxi + dyi),
  centroid: (dxi, dyi, dxy, nx, ny) =>
    Math.sqrt(
      Math.max(0, ((nx * dxi * dxi + ny * dyi * dyi) - (nx * ny * dxy * dxy) / (nx + ny)) / (nx + ny)),
    ),
  median: (dxi, dyi, dxy) => Math.sqrt(Math.max(0, 0.5 * (dxi * dxi + dyi * dyi) - 0.25 * dxy * dxy)),
  ward: (dxi, dyi, dxy, nx, ny, ni) => {
    const t = 1 / (nx + ny + ni);
    return Math.sqrt(Math.max(0, (ni + nx) * t * dxi * dxi + (ni + ny) * t * dyi * dyi - ni * t * dxy * dxy));
  },
};

/** Index of (i, j), i != j, in a condensed matrix of n points (scipy order). */
export function condensedIndex(n: number, i: number, j: number): number {
  if (i > j) [i, j] = [j, i];
  return n * i - (i * (i + 1)) / 2 + (j - i - 1);
}

/**
 * scipy-format linkage matrix of the condensed distances `d` (n points; `d` is consumed: it is
 * overwritten by the updates unless the caller passes a copy). `sizes` gives the starting cluster
 * sizes (all 1 by default), used by the FINCH+AHC hybrid that starts from clusters.
 */
export function linkage(
  d: Float64Array,
  n: number,
  method: Linkage,
  sizes?: ArrayLike<number>,
): Float64Array {
  if (d.length !== (n * (n - 1)) / 2) {
    throw new RangeError(
      `linkage: condensed matrix has ${d.length} values, ${n} points need ${(n * (n - 1)) / 2}`,
    );
  }
  for (let i = 0; i < d.length; i++) {
    if (!(d[i] >= 0 || d[i] < 0)) throw new RangeError(`linkage: NaN distance at condensed index ${i}`);
  }
  if (n < 2) return new Float64Array(0);
  const size = new Float64Array(n);
  for (let i = 0; i < n; i++) size[i] = sizes ? sizes[i] : 1;
  let z: Float64Array;
  if (method === "single") z = mstSingle(d, n, size);
  else if (method === "centroid" || method === "median") return generic(d, n, UPDATES[method], size);
  else z = nnChain(d, n, UPDATES[method], size);
  return relabel(sortByHeight(z, n - 1), n, sizes);
}

function mstSingle(d: Float64Array, n: number, size: Float64Array): Float64Array {
  const z = new Float64Array((n - 1) * 4);
  const merged = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  let x = 0;
  for (let k = 0; k < n - 1; k++) {
    let cur = Infinity;
    let y = -1;
    merged[x] = 1;
    for (let i = 0; i < n; i++) {
      if (merged[i]) continue;
      const dist = d[i < x ? condensedIndex(n, i, x) : n * x - (x * (x + 1)) / 2 + (i - x - 1)];
      if (best[i] > dist) best[i] = dist;
      if (best[i] < cur) {
        y = i;
        cur = best[i];
      }
    }
    z[4 * k] = x;
    z[4 * k + 1] = y;
    z[4 * k + 2] = cur;
    z[4 * k + 3] = size[x] + size[y];
    x = y;
  }
  return z;
}

function nnChain(d: Float64Array, n: number, upd: Update, size: Float64Array): Float64Array {
  const z = new Float64Array((n - 1) * 4);
  const chain = new Int32Array(n);
  let len = 0;
  const rowBase = (i: number) => n * i - (i * (i + 1)) / 2 - i - 1; // + j gives (i, j) for j > i
  for (let k = 0; k < n - 1; k++) {
    if (len === 0) {
      len = 1;
      for (let i = 0; i < n; i++) {
        if (size[i] > 0) {
          chain[0] = i;
          break;
        }
      }
    }
    let x = 0, y = 0, cur = 0;
    while (true) {
      x = chain[len - 1];
      if (len > 1) {
        y = chain[len - 2];
        cur = d[condensedIndex(n, x, y)];
      } else cur = Infinity;
      // scan i < x: (i, x) at rowBase(i) + x
      for (let i = 0; i < x; i++) {
        if (size[i] === 0) continue;
        const dist = d[rowBase(i) + x];
        if (dist < cur) {
          cur = dist;
          y = i;
        }
      }
      const bx = rowBase(x);
      for (let i = x + 1; i < n; i++) {
        if (size[i] === 0) continue;
        const dist = d[bx + i];
        if (dist < cur) {
          cur = dist;
          y = i;
        }
      }
      if (len > 1 && y === chain[len - 2]) break;
      chain[len++] = y;
    }
    len -= 2;
    if (x > y) [x, y] = [y, x];
    const nx = size[x], ny = size[y];
    z[4 * k] = x;
    z[4 * k + 1] = y;
    z[4 * k + 2] = cur;
    z[4 * k + 3] = nx + ny;
    size[x] = 0;
    size[y] = nx + ny;
    for (let i = 0; i < n; i++) {
      const ni = size[i];
      if (ni === 0 || i === y) continue;
      const ix = condensedIndex(n, i, x), iy = condensedIndex(n, i, y);
      d[iy] = upd(d[ix], d[iy], cur, nx, ny, ni);
    }
  }
  return z;
}

/** Generic algorithm (scipy fast_linkage): ids assigned as n+k in merge order, no sorting. */
function generic(d: Float64Array, n: number, upd: Update, size: Float64Array): Float64Array {
  const z = new Float64Array((n - 1) * 4);
  const clusterId = new Int32Array(n);
  for (let i = 0; i < n; i++) clusterId[i] = i;
  const neighbor = new Int32Array(n).fill(-1);
  const minDist = new Float64Array(n).fill(Infinity);
  const findMin = (x: number): [number, number] => {
    let best = Infinity, key = -1;
    const base = n * x - (x * (x + 1)) / 2 - x - 1;
    for (let i = x + 1; i < n; i++) {
      if (size[i] === 0) continue;
      if (d[base + i] < best) {
        best = d[base + i];
        key = i;
      }
    }
    return [key, best];
  };
  for (let x = 0; x < n - 1; x++) [neighbor[x], minDist[x]] = findMin(x);
  // Linear scans replace scipy's heap; O(n) per merge keeps the total O(n^2) + updates.
  const argminActive = (): number => {
    let b = -1, bv = Infinity;
    for (let i = 0; i < n - 1; i++) {
      if (size[i] === 0 || neighbor[i] < 0) continue;
      if (minDist[i] < bv || b < 0) {
        bv = minDist[i];
        b = i;
      }
    }
    return b;
  };
  for (let k = 0; k < n - 1; k++) {
    let x = -1, y = -1, dist = Infinity;
    for (let tries = 0; tries < n - k + 1; tries++) {
      x = argminActive();
      dist = minDist[x];
      y = neighbor[x];
      if (dist === d[condensedIndex(n, x, y)] && size[y] > 0) break;
      [neighbor[x], minDist[x]] = findMin(x);
    }
    let idX = clusterId[x], idY = clusterId[y];
    const nx = size[x], ny = size[y];
    if (idX > idY) [idX, idY] = [idY, idX];
    z[4 * k] = idX;
    z[4 * k + 1] = idY;
    z[4 * k + 2] = dist;
    z[4 * k + 3] = nx + ny;
    size[x] = 0;
    size[y] = nx + ny;
    clusterId[y] = n + k;
    neighbor[x] = -1;
    minDist[x] = Infinity;
    for (let i = 0; i < n; i++) {
      const ni = size[i];
      if (ni === 0 || i === y) continue;
      const iy = condensedIndex(n, i, y);
      d[iy] = upd(d[condensedIndex(n, i, x)], d[iy], dist, nx, ny, ni);
    }
    for (let i = 0; i < x; i++) if (size[i] > 0 && neighbor[i] === x) neighbor[i] = y;
    for (let i = 0; i < y; i++) {
      if (size[i] === 0) continue;
      const di = d[condensedIndex(n, i, y)];
      if (di < minDist[i]) {
        neighbor[i] = y;
        minDist[i] = di;
      }
    }
    if (y < n - 1) {
      const [zz, dd] = findMin(y);
      if (zz !== -1) {
        neighbor[y] = zz;
        minDist[y] = dd;
      } else {
        neighbor[y] = -1;
        minDist[y] = Infinity;
      }
    }
  }
  return z;
}

/** Stable sort of the merge rows by height (numpy argsort kind="mergesort"). */
function sortByHeight(z: Float64Array, m: number): Float64Array {
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => z[4 * a + 2] - z[4 * b + 2] || a - b);
  const out = new Float64Array(m * 4);
  order.forEach((r, i) => out.set(z.subarray(4 * r, 4 * r + 4), 4 * i));
  return out;
}

/** scipy's label(): turn position-based pairs into cluster ids n+k with union-find. */
function relabel(z: Float64Array, n: number, sizes?: ArrayLike<number>): Float64Array {
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r];
    while (parent[x] !== r) {
      const nx = parent[x];
      parent[x] = r;
      x = nx;
    }
    return r;
  };
  const nodeSize = new Float64Array(2 * n - 1);
  for (let i = 0; i < n; i++) nodeSize[i] = sizes ? sizes[i] : 1;
  for (let k = 0; k < n - 1; k++) {
    const a = find(z[4 * k]), b = find(z[4 * k + 1]);
    const id = n + k;
    z[4 * k] = Math.min(a, b);
    z[4 * k + 1] = Math.max(a, b);
    nodeSize[id] = nodeSize[a] + nodeSize[b];
    z[4 * k + 3] = nodeSize[id];
    parent[a] = id;
    parent[b] = id;
  }
  return z;
}

/** Per node (n + k), the largest merge height in its subtree (scipy's maxdists). */
export function maxDists(z: Float64Array, n: number): Float64Array {
  const md = new Float64Array(n - 1);
  for (let k = 0; k < n - 1; k++) {
    let m = z[4 * k + 2];
    for (const c of [z[4 * k], z[4 * k + 1]]) if (c >= n) m = Math.max(m, md[c - n]);
    md[k] = m;
  }
  return md;
}

/** Flat labels (first-appearance order) from the set of merges to apply. */
function labelsFromMerges(z: Float64Array, n: number, apply: (k: number) => boolean): Int32Array {
  const forest = unionFind(2 * n - 1), { parent, find } = forest;
  for (let k = 0; k < n - 1; k++) {
    if (!apply(k)) continue;
    parent[find(z[4 * k])] = n + k;
    parent[find(z[4 * k + 1])] = n + k;
  }
  return rootLabels(forest, n);
}

/**
 * Flat clusters at a distance threshold. `inclusive` true merges clusters whose cophenetic (max) merge
 * height is <= t (scipy fcluster criterion="distance"); false merges only below t (sklearn
 * AgglomerativeClustering distance_threshold).
 */
export function cutAtThreshold(z: Float64Array, n: number, t: number, inclusive: boolean): Int32Array {
  if (n < 2) return new Int32Array(n);
  const md = maxDists(z, n);
  return labelsFromMerges(z, n, (k) => inclusive ? md[k] <= t : md[k] < t);
}

/**
 * Flat clusters with at most `k` clusters, as scipy fcluster criterion="maxclust": the smallest
 * cophenetic threshold giving <= k clusters (ties in heights can give fewer than k).
 */
export function cutToCount(z: Float64Array, n: number, k: number): Int32Array {
  if (n < 2 || k >= n) return labelsFromMerges(z, n, () => false);
  const md = maxDists(z, n);
  const sorted = Float64Array.from(md).sort();
  // count(t) = n - #{md <= t}; need n - #{md <= t} <= k, i.e. #{md <= t} >= n - k.
  const t = sorted[Math.max(0, n - k - 1)];
  return labelsFromMerges(z, n, (i) => md[i] <= t);
}

/** Number of distinct labels. */
export function countLabels(labels: Int32Array): number {
  let m = -1;
  for (const l of labels) if (l > m) m = l;
  return m + 1;
}
