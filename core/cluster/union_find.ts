/**
 * A union-find (disjoint-set) forest with path halving (Tarjan & van Leeuwen, "Worst-case analysis of
 * set union algorithms", J. ACM 1984), and flat labels read off its roots. Shared by FINCH's connected
 * components (finch.ts) and the flat cuts of a linkage (linkage.ts).
 * @module
 */

/** A forest of `size` singleton nodes: `parent` links (a root is its own parent) and `find`. */
export interface Forest {
  /** Parent of each node; callers link roots by writing here. */
  readonly parent: Int32Array;
  /** The root of `x`'s tree (halving the path on the way). */
  find(x: number): number;
}

/** `size` singletons. */
export function unionFind(size: number): Forest {
  const parent = new Int32Array(size);
  for (let i = 0; i < size; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  return { parent, find };
}

/** Labels 0, 1, ... of nodes 0 .. n-1 by their root, numbered in order of first appearance. */
export function rootLabels(forest: Forest, n: number): Int32Array {
  const map = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = forest.find(i);
    let l = map.get(r);
    if (l === undefined) map.set(r, l = map.size);
    labels[i] = l;
  }
  return labels;
}
