/**
 * Dense row-major float32 matrix: the one data type every plugin exchanges.
 * Embeddings are rows; `data.length === rows * cols` always.
 * @module
 */

/** A row-major float32 matrix. */
export interface Matrix {
  /** Number of rows (embeddings). */
  readonly rows: number;
  /** Number of columns (dimension). */
  readonly cols: number;
  /** `rows * cols` values, row-major. */
  readonly data: Float32Array;
}

/** Makes a matrix, allocating zeros when `data` is absent; checks the size. */
export function matrix(rows: number, cols: number, data?: Float32Array | number[]): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`matrix: rows and cols must be non-negative integers, got ${rows}x${cols}`);
  }
  const d = data === undefined
    ? new Float32Array(rows * cols)
    : data instanceof Float32Array
    ? data
    : Float32Array.from(data);
  if (d.length !== rows * cols) {
    throw new RangeError(`matrix: data has ${d.length} values but ${rows}x${cols} needs ${rows * cols}`);
  }
  return { rows, cols, data: d };
}

/** Stacks equal-length rows into a matrix; throws naming the first row whose length differs. */
export function fromRows(rows: ArrayLike<number>[], cols?: number): Matrix {
  const c = cols ?? (rows.length ? rows[0].length : 0);
  const out = new Float32Array(rows.length * c);
  rows.forEach((r, i) => {
    if (r.length !== c) {
      throw new RangeError(
        `fromRows: row ${i} has ${r.length} values, expected ${c} (mismatched embedding dims)`,
      );
    }
    out.set(r, i * c);
  });
  return { rows: rows.length, cols: c, data: out };
}

/** A view (no copy) of row `i`. */
export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Copies the selected rows into a new matrix. */
export function selectRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = new Float32Array(idx.length * m.cols);
  for (let k = 0; k < idx.length; k++) out.set(row(m, idx[k]), k * m.cols);
  return { rows: idx.length, cols: m.cols, data: out };
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Throws a clear error if the matrix holds NaN/Inf; `what` names the input (a file, a plugin). */
export function assertFinite(m: Matrix | ArrayLike<number>, what: string): void {
  const data = "data" in m ? (m as Matrix).data : m as ArrayLike<number>;
  const bad = firstNonFinite(data);
  if (bad >= 0) {
    const where = "cols" in m
      ? ` at row ${Math.floor(bad / (m as Matrix).cols)}, col ${bad % (m as Matrix).cols}`
      : ` at index ${bad}`;
    throw new RangeError(`${what}: non-finite value ${data[bad]}${where}; remove or repair NaN/Inf inputs`);
  }
}
