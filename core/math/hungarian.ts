/**
 * Optimal assignment (Hungarian / Kuhn-Munkres with potentials, O(n^2 m)): the same problem as
 * scipy.optimize.linear_sum_assignment. Used for the DER/JER speaker mapping and cluster accuracy.
 * @module
 */

/** Result of an assignment: `rowInd[i]` is matched with `colInd[i]`, sorted by row. */
export interface Assignment {
  /** Matched rows, ascending. */
  readonly rowInd: Int32Array;
  /** Column matched to each entry of rowInd. */
  readonly colInd: Int32Array;
  /** Sum of the costs of the chosen pairs. */
  readonly cost: number;
}

/**
 * Minimum-cost assignment on a rows x cols cost matrix (row-major, any shape). Every row is matched
 * when rows <= cols, every column otherwise; min(rows, cols) pairs are returned.
 * Costs must be finite.
 */
export function linearSumAssignment(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (cost.length !== rows * cols) {
    throw new RangeError(`cost has ${cost.length} entries, expected ${rows}x${cols}`);
  }
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i])) throw new RangeError(`cost[${i}] is not finite (${cost[i]})`);
  }
  if (rows === 0 || cols === 0) return { rowInd: new Int32Array(0), colInd: new Int32Array(0), cost: 0 };
  // The algorithm below needs n <= m; transpose otherwise.
  const transposed = rows > cols;
  const n = transposed ? cols : rows, m = transposed ? rows : cols;
  const a = (i: number, j: number) => transposed ? cost[j * cols + i] : cost[i * cols + j];
  // 1-based arrays as in the classic formulation; p[j] = row matched to column j.
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1), way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const pairs: [number, number][] = [];
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    const r = p[j] - 1, c = j - 1;
    pairs.push(transposed ? [c, r] : [r, c]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  let total = 0;
  for (const [r, c] of pairs) total += cost[r * cols + c];
  return {
    rowInd: Int32Array.from(pairs, (q) => q[0]),
    colInd: Int32Array.from(pairs, (q) => q[1]),
    cost: total,
  };
}

/** Maximum-weight assignment (e.g. maximal overlap): minimises the negated weights. */
export function maxWeightAssignment(weight: ArrayLike<number>, rows: number, cols: number): Assignment {
  const neg = new Float64Array(weight.length);
  for (let i = 0; i < neg.length; i++) neg[i] = -weight[i];
  const r = linearSumAssignment(neg, rows, cols);
  return { rowInd: r.rowInd, colInd: r.colInd, cost: -r.cost };
}
