/** Distance kernels (WASM SIMD) against numpy/scipy goldens, edge shapes, and tiling. */
import assert from "node:assert/strict";
import {
  cosineMatrix,
  dotMatrix,
  forEachTile,
  l2NormalizeRows,
  pdist,
  sqEuclideanMatrix,
  topkRows,
  topkTiled,
} from "../core/kernels/distance.ts";
import type { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/random.ts";
import { golden, maxAbsDiff } from "./helpers.ts";

interface G {
  a: { rows: number; cols: number; data: number[] };
  b: { rows: number; cols: number; data: number[] };
  dot: number[];
  cosine: number[];
  sqeuclidean: number[];
  pdist_euclidean: number[];
  pdist_sqeuclidean: number[];
  pdist_cosine_nonzero: number[];
  nz_rows: number;
  top3_cosine_idx: number[];
  top3_sqeuclidean_idx: number[];
}
const g = golden<G>("distance_numpy.json");
const M = (m: { rows: number; cols: number; data: number[] }): Matrix => ({
  ...m,
  data: Float32Array.from(m.data),
});
const A = M(g.a), B = M(g.b);

/** max |x - y| / (1 + |y|): float32 rounding of sums of 19 products stays far below 1e-5. */
function relErr(x: ArrayLike<number>, y: number[]): number {
  assert.equal(x.length, y.length);
  let e = 0;
  for (let i = 0; i < y.length; i++) e = Math.max(e, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return e;
}

Deno.test("dot, cosine, squared Euclidean match numpy/scipy (float32 rounding)", () => {
  assert.ok(relErr(dotMatrix(A, B).data, g.dot) < 2e-6);
  const cos = cosineMatrix(A, B);
  assert.ok(relErr(cos.data, g.cosine) < 2e-6);
  for (let j = 0; j < B.rows; j++) assert.equal(cos.data[5 * B.rows + j], 0, "zero row: cosine 0");
  const sq = sqEuclideanMatrix(A, B);
  assert.ok(relErr(sq.data, g.sqeuclidean) < 2e-6);
  assert.equal(sq.data[2 * B.rows + 3], 0, "identical rows: exactly 0 (direct form, no cancellation)");
  assert.deepEqual(A.data, Float32Array.from(g.a.data), "inputs are not modified");
});

Deno.test("pdist condensed order and values match scipy", () => {
  assert.ok(relErr(pdist(A, "euclidean"), g.pdist_euclidean) < 2e-6);
  assert.ok(relErr(pdist(A, "sqeuclidean"), g.pdist_sqeuclidean) < 2e-6);
  const nz: Matrix = {
    rows: g.nz_rows,
    cols: A.cols,
    data: Float32Array.from([...A.data.subarray(0, 5 * 19), ...A.data.subarray(6 * 19)]),
  };
  assert.ok(relErr(pdist(nz, "cosine"), g.pdist_cosine_nonzero) < 2e-6);
  assert.equal(pdist({ rows: 1, cols: 3, data: new Float32Array(3) }).length, 0);
});

Deno.test("top-k (full and tiled) agrees with numpy argsort", () => {
  const t = topkRows(cosineMatrix(A, B), 3);
  assert.deepEqual(
    Array.from(t.indices).filter((_, i) => Math.floor(i / 3) !== 5),
    g.top3_cosine_idx.filter((_, i) => Math.floor(i / 3) !== 5),
  );
  const tt = topkTiled(A, B, 3, "sqeuclidean", { tileRows: 8 });
  assert.deepEqual(Array.from(tt.indices), g.top3_sqeuclidean_idx);
  const tc = topkTiled(A, B, 3, "cosine", { tileRows: 4 });
  assert.deepEqual(tc.values, t.values);
  assert.equal(topkRows(cosineMatrix(A, B), 100).indices.length, A.rows * B.rows, "k > cols clamps");
});

Deno.test("odd shapes: 1 row, dims not multiple of 4, empty sets, mismatched dims", () => {
  const r = new Rng(5);
  for (const [n, m, d] of [[1, 1, 1], [3, 9, 5], [5, 17, 3], [9, 8, 33]]) {
    const a: Matrix = { rows: n, cols: d, data: Float32Array.from({ length: n * d }, () => r.normal()) };
    const b: Matrix = { rows: m, cols: d, data: Float32Array.from({ length: m * d }, () => r.normal()) };
    const ref = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        for (let k = 0; k < d; k++) ref[i * m + j] += a.data[i * d + k] * b.data[j * d + k];
      }
    }
    assert.ok(maxAbsDiff(dotMatrix(a, b).data, ref) < 1e-5, `${n}x${m}x${d}`);
  }
  assert.equal(
    dotMatrix(
      { rows: 0, cols: 4, data: new Float32Array(0) },
      B.cols === 4 ? B : { rows: 2, cols: 4, data: new Float32Array(8) },
    ).rows,
    0,
  );
  assert.throws(
    () => cosineMatrix(A, { rows: 1, cols: 7, data: new Float32Array(7) }),
    /dims differ \(19 vs 7\)/,
  );
  const z = l2NormalizeRows({ rows: 2, cols: 2, data: Float32Array.of(3, 4, 0, 0) });
  assert.deepEqual(Array.from(z.data), [Math.fround(0.6), Math.fround(0.8), 0, 0]);
});

Deno.test("tiles cover the whole matrix and equal the full product", () => {
  const r = new Rng(9);
  const a: Matrix = { rows: 103, cols: 24, data: Float32Array.from({ length: 103 * 24 }, () => r.normal()) };
  const full = cosineMatrix(a, a);
  const got = new Float32Array(full.data.length);
  let tiles = 0;
  forEachTile(a, a, "cosine", (t, row) => {
    tiles++;
    got.set(t.data, row * a.rows);
  }, { tileRows: 16 }); // rounded up to 18, a multiple of the 6-row micro-kernel
  assert.equal(tiles, 6);
  assert.equal(maxAbsDiff(got, full.data), 0);
  for (let i = 0; i < a.rows; i++) assert.ok(Math.abs(full.data[i * a.rows + i] - 1) < 1e-6);
});
