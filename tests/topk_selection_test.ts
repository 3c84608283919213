/**
 * Row top-k selection (WASM kernel behind topkRows / topkTiled / topkStatsRows / topkStatsTiled):
 * indices against numpy's stable argsort on rows long enough for the sampled-threshold path (ties,
 * -0/+0, a row whose sample over-estimates the threshold), top-k mean/std against numpy, and the
 * exact float64 accumulation order (best first, sequential) that AS-norm's results depend on.
 */
import assert from "node:assert/strict";
import {
  cosineMatrix,
  topkRows,
  topkStatsRows,
  topkStatsTiled,
  topkTiled,
} from "../core/kernels/distance.ts";
import type { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/random.ts";
import { golden } from "./helpers.ts";

interface G {
  rows: number;
  cols: number;
  int_rows: number;
  ints: number[];
  neg_zero_row3: number[];
  cont_q20: number[];
  topk: { k: number; largest: boolean; indices: number[] }[];
  stats: { k: number; mean: number[]; std: number[] }[];
}
const g = golden<G>("topk_numpy.json");

function goldenMatrix(): Matrix {
  const n = g.cols, data = new Float32Array(g.rows * n);
  for (let i = 0; i < g.ints.length; i++) data[i] = g.ints[i] / 64;
  for (const j of g.neg_zero_row3) data[3 * n + j] = -0;
  for (let i = 0; i < g.cont_q20.length; i++) data[g.ints.length + i] = g.cont_q20[i] / 2 ** 20;
  return { rows: g.rows, cols: n, data };
}

/** The definition, by brute force: order (value desc, index asc), NaN last; sequential f64 sums. */
function reference(row: Float32Array, k: number, largest = true) {
  const idx = Array.from(row.keys());
  const key = (j: number) => (Number.isNaN(row[j]) ? -Infinity : largest ? row[j] : -row[j]);
  idx.sort((a, b) => {
    const na = Number.isNaN(row[a]), nb = Number.isNaN(row[b]);
    if (na !== nb) return na ? 1 : -1;
    return key(b) - key(a) || a - b;
  });
  const top = idx.slice(0, Math.min(k, row.length));
  const vals = k >= row.length ? Array.from(row) : top.map((j) => row[j]);
  let s = 0;
  for (const v of vals) s += v;
  const m = s / vals.length;
  let v2 = 0;
  for (const v of vals) v2 += (v - m) ** 2;
  return { idx: top, mean: m, std: Math.sqrt(v2 / vals.length) };
}

Deno.test("topkRows matches numpy's stable argsort (ties, -0/+0, sampled and fallback paths)", () => {
  const m = goldenMatrix();
  for (const c of g.topk) {
    const got = topkRows(m, c.k, c.largest);
    assert.deepEqual(Array.from(got.indices), c.indices, `k ${c.k} largest ${c.largest}`);
    for (let i = 0; i < got.indices.length; i++) {
      const r = Math.floor(i / c.k);
      assert.ok(Object.is(got.values[i], m.data[r * m.cols + got.indices[i]]), "values are the row's own");
    }
  }
});

Deno.test("topkStatsRows: numpy's top-k mean/std, and bit-exact best-first float64 sums", () => {
  const m = goldenMatrix();
  for (const s of g.stats) {
    const got = topkStatsRows(m, s.k);
    for (let i = 0; i < m.rows; i++) {
      assert.ok(Math.abs(got.mean[i] - s.mean[i]) < 1e-12, `k ${s.k} row ${i} mean`);
      assert.ok(Math.abs(got.std[i] - s.std[i]) < 1e-12, `k ${s.k} row ${i} std`);
      const ref = reference(m.data.subarray(i * m.cols, (i + 1) * m.cols), s.k);
      assert.equal(got.mean[i], ref.mean, `k ${s.k} row ${i}: mean summed best first`);
      assert.equal(got.std[i], ref.std, `k ${s.k} row ${i}: std summed best first`);
    }
  }
  assert.throws(() => topkStatsRows(m, 0), RangeError);
});

Deno.test("tiled top-k and stats equal the full-matrix ones on embeddings; NaN ranks last", () => {
  const r = new Rng(11);
  const mk = (n: number, d: number): Matrix => ({
    rows: n,
    cols: d,
    data: Float32Array.from({ length: n * d }, () => r.normal()),
  });
  for (const [na, nb, d, k] of [[20, 2000, 64, 150], [9, 300, 7, 3], [7, 40, 5, 40]]) {
    const a = mk(na, d), b = mk(nb, d), full = cosineMatrix(a, b);
    const t = topkTiled(a, b, k, "cosine", { tileRows: 5 }), f = topkRows(full, k);
    assert.deepEqual(t.indices, f.indices);
    assert.deepEqual(t.values, f.values);
    const st = topkStatsTiled(a, b, k, "cosine", { tileRows: 5 }), sf = topkStatsRows(full, k);
    assert.deepEqual(st, sf);
    for (let i = 0; i < na; i++) {
      const ref = reference(full.data.subarray(i * nb, (i + 1) * nb), k);
      assert.deepEqual(Array.from(f.indices.subarray(i * k, (i + 1) * k)), ref.idx);
      assert.equal(sf.mean[i], ref.mean);
    }
    const sq = topkTiled(a, b, k, "sqeuclidean"),
      ref = topkRows(
        {
          rows: na,
          cols: nb,
          data: Float32Array.from({ length: na * nb }, (_, q) => {
            const i = Math.floor(q / nb), j = q % nb;
            let s = 0;
            for (let c = 0; c < d; c++) s += (a.data[i * d + c] - b.data[j * d + c]) ** 2;
            return s;
          }),
        },
        k,
        false,
      );
    // smallest-first from the kernel vs a float64 oracle: same neighbours except near-exact ties
    let same = 0;
    for (let i = 0; i < sq.indices.length; i++) same += sq.indices[i] === ref.indices[i] ? 1 : 0;
    assert.ok(same >= sq.indices.length - 2, `sqeuclidean top-${k}: ${same}/${sq.indices.length}`);
  }
  const row = Float32Array.from({ length: 600 }, (_, j) => (j % 50 === 7 ? NaN : Math.sin(j)));
  for (const k of [5, 590, 600]) {
    for (const largest of [true, false]) {
      const got = topkRows({ rows: 1, cols: 600, data: row }, k, largest);
      assert.deepEqual(Array.from(got.indices), reference(row, k, largest).idx, `NaN row k ${k}`);
    }
  }
});
