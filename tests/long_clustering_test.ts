/**
 * Long-recording clustering (core/diarization/segmentation/long_clustering.ts): the FINCH + AHC route
 * against exact AHC on synthetic speakers where n is small enough for both, and the memory estimates.
 */
import { assert, assertEquals } from "./assert.ts";
import {
  clusteringMemory,
  clusterLarge,
  maxExactRows,
} from "../core/diarization/segmentation/long_clustering.ts";
import { Rng } from "../core/random.ts";
import type { Matrix } from "../core/matrix.ts";

/** Adjusted Rand index (Hubert & Arabie), written out here as the independent check. */
function ari(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length,
    t = new Map<string, number>(),
    ra = new Map<number, number>(),
    rb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    t.set(`${a[i]},${b[i]}`, (t.get(`${a[i]},${b[i]}`) ?? 0) + 1);
    ra.set(a[i], (ra.get(a[i]) ?? 0) + 1);
    rb.set(b[i], (rb.get(b[i]) ?? 0) + 1);
  }
  const c2 = (x: number) => (x * (x - 1)) / 2;
  const sij = [...t.values()].reduce((s, v) => s + c2(v), 0);
  const sa = [...ra.values()].reduce((s, v) => s + c2(v), 0),
    sb = [...rb.values()].reduce((s, v) => s + c2(v), 0);
  const exp = (sa * sb) / c2(n);
  return (sij - exp) / ((sa + sb) / 2 - exp);
}

function speakers(
  n: number,
  k: number,
  d: number,
  noise: number,
  seed: number,
): { x: Matrix; truth: Int32Array } {
  const rng = new Rng(seed);
  const c = Array.from({ length: k }, () => Float32Array.from({ length: d }, () => rng.normal()));
  const x = new Float32Array(n * d), truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = rng.int(k);
    for (let j = 0; j < d; j++) x[i * d + j] = c[truth[i]][j] + noise * rng.normal();
  }
  return { x: { rows: n, cols: d, data: x }, truth };
}

Deno.test("blocks/FINCH first pass + AHC on group means agrees with exact AHC when n is small enough for both", () => {
  // (centroid cut to a count is degenerate on noisy data even exactly: pyannote needs min_cluster_size there)
  const cases = [["centroid", 0.5, 0.999], ["average", 1.0, 0.99], ["average", 1.4, 0.9], [
    "ward",
    1.4,
    0.9,
  ]] as const;
  for (const [method, noise, minAri] of cases) {
    const { x, truth } = speakers(2500, 6, 48, noise, 11);
    const exact = clusterLarge(x, { method, numClusters: 6 });
    const blocks = clusterLarge(x, { method, numClusters: 6, maxExact: 600 });
    const fin = clusterLarge(x, {
      method,
      numClusters: 6,
      maxExact: 600,
      firstPass: "finch",
      reassign: true,
    });
    assertEquals([exact.route, blocks.route, fin.route], ["exact", "blocks+ahc", "finch+ahc"]);
    assert(blocks.ahcRows <= 600 && fin.ahcRows <= 600, `${blocks.ahcRows} ${fin.ahcRows}`);
    const a = ari(exact.labels, blocks.labels), f = ari(exact.labels, fin.labels);
    console.log(
      `${method}, noise ${noise}: ARI to exact: blocks ${a.toFixed(4)} (AHC on ${blocks.ahcRows} groups), ` +
        `finch ${f.toFixed(4)} (${fin.ahcRows} groups); exact ARI to truth ${
          ari(truth, exact.labels).toFixed(4)
        }`,
    );
    assert(a >= minAri, `${method} noise ${noise}: blocks ${a}`);
  }
  // threshold cut: same partition on well-separated speakers
  const { x } = speakers(1200, 4, 32, 0.3, 3);
  const e = clusterLarge(x, { threshold: 0.5 }), t = clusterLarge(x, { threshold: 0.5, maxExact: 100 });
  assertEquals(t.numClusters, e.numClusters);
  assert(ari(e.labels, t.labels) > 0.999);
});

Deno.test("memory estimates: exact AHC on 10^5 rows needs ~56 GiB at its peak, the two-stage route stays under 1 GB", () => {
  const B = 512 * 2 ** 20, n = maxExactRows(B);
  assert(6 * n * (n - 1) <= B && 6 * (n + 1) * n > B, `${n}`); // 12 bytes per pair at the AHC's peak
  const m = clusteringMemory(100000, 256);
  console.log(
    `n = 1e5, d = 256: exact ${(m.exact / 2 ** 30).toFixed(1)} GiB, two-stage ${
      (m.twoStage / 2 ** 30).toFixed(2)
    } GiB (${m.groups} groups)`,
  );
  assert(m.exact > 55 * 2 ** 30 && m.twoStage < 2 ** 30, `${m.exact} ${m.twoStage}`);
  // the estimate of the exact route is the condensed matrix itself for large n
  assert(Math.abs(m.exact - 12 * (1e5 * (1e5 - 1)) / 2) / m.exact < 0.01);
});
