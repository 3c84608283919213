/**
 * Clusterer plugins against scipy / sklearn / independent Python references
 * (tests/golden/make_clusterers.py -> tests/golden/clusterers.json), always through the registry.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { golden, needsShared, shared } from "./helpers.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { Clusterer, ClusterRequest, ClusterResult } from "../core/contracts/mod.ts";
import { type Matrix, selectRows } from "../core/matrix.ts";
import { arkVectorsToMatrix, readArk } from "../core/io/kaldi_ark.ts";
import { canonicalLabels, silhouette } from "../core/cluster/silhouette.ts";
import { adjustedRandIndex } from "../core/cluster/agreement.ts";
import { eigh, extremeEigenvalues } from "../core/math/eigh.ts";
import { laplacianExtremes, PrunedAffinity, rankRows } from "../core/cluster/nmesc.ts";
import { cosineMatrix } from "../core/kernels/distance.ts";
import { firstNeighbours } from "../core/cluster/finch.ts";
import { ANN_DEFAULTS, approxNeighbours } from "../core/cluster/ann.ts";
import { ConfigError, PluginError } from "../core/errors.ts";
import { Rng } from "../core/random.ts";
import { concreteAssign, logitsBackward, softBackward } from "../core/cluster/concrete.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const G: Any = golden("clusterers.json");

let xvecCache: Matrix | undefined;
function xvecs(): Matrix {
  if (!xvecCache) xvecCache = arkVectorsToMatrix(readArk(shared("vbx-es2005a", "exp", "ES2005a.ark"))).matrix;
  return xvecCache;
}
function goldenMatrix(g: { rows: number; cols: number; data: number[] }): Matrix {
  return { rows: g.rows, cols: g.cols, data: Float32Array.from(g.data) };
}
async function run(name: string, opts: Record<string, unknown>, x: Matrix, req?: ClusterRequest) {
  const c: Clusterer = await registry.create("clusterer", name, opts);
  return await c.cluster(x, req) as ClusterResult;
}
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ca = canonicalLabels(a), cb = canonicalLabels(b);
  return ca.length === cb.length && ca.every((v, i) => v === cb[i]);
}

// ------------------------------------------------------------------------------------------ AHC
Deno.test(
  needsShared("ahc: all 7 linkages x {euclidean, cosine} match scipy linkage + fcluster on x-vectors"),
  async () => {
    const x = selectRows(xvecs(), G.ahc.subset);
    const n = x.rows;
    let worst = 0;
    for (const [key, zRef] of Object.entries(G.ahc.linkage) as [string, number[][]][]) {
      const [method, metric] = key.split("/");
      const ref = G.ahc.labels[key];
      const r4 = await run("ahc", { linkage: method, metric }, x, { numClusters: 4 });
      const z = r4.extra!.linkage as Float64Array;
      assertEquals(z.length, (n - 1) * 4, key);
      let ids = 0;
      for (let k = 0; k < n - 1; k++) {
        const scale = Math.max(1, Math.abs(zRef[k][2]));
        worst = Math.max(worst, Math.abs(z[4 * k + 2] - zRef[k][2]) / scale);
        assertAlmostEquals(z[4 * k + 2], zRef[k][2], 2e-5 * scale, `${key} height row ${k}`);
        if (z[4 * k] === zRef[k][0] && z[4 * k + 1] === zRef[k][1] && z[4 * k + 3] === zRef[k][3]) ids++;
      }
      assertEquals(ids, n - 1, `${key}: merge ids/sizes equal to scipy's`);
      assert(samePartition(r4.labels, ref.maxclust4), `${key} maxclust 4`);
      const r10 = await run("ahc", { linkage: method, metric, numClusters: 10 }, x);
      assert(samePartition(r10.labels, ref.maxclust10), `${key} maxclust 10`);
      const rt = await run("ahc", { linkage: method, metric, threshold: ref.threshold }, x);
      assert(samePartition(rt.labels, ref.distance_median), `${key} fcluster distance at the median height`);
    }
    assert(worst < 2e-5, `worst relative height error ${worst}`);
  },
);

Deno.test(
  needsShared(
    "ahc: 1025 x-vectors, 4 clusters equal scipy for average/complete cosine, ward/single/average euclidean",
  ),
  async () => {
    const x = xvecs();
    for (const [key, ref] of Object.entries(G.ahc.full) as [string, Any][]) {
      const [method, metric] = key.split("/");
      const r = await run("ahc", { linkage: method, metric }, x, { numClusters: 4 });
      assert(samePartition(r.labels, ref.maxclust4), key);
      const z = r.extra!.linkage as Float64Array;
      const tail = Array.from({ length: 10 }, (_, i) => z[z.length - 4 * (10 - i) + 2]);
      tail.forEach((h, i) =>
        assertAlmostEquals(h, ref.heights_tail[i], 2e-5 * Math.max(1, ref.heights_tail[i]), key)
      );
    }
  },
);

Deno.test("ahc: a merge AT the threshold happens with thresholdInclusive (scipy) and not without (sklearn)", async () => {
  const t = G.ahc.tie;
  const x: Matrix = { rows: 4, cols: 1, data: Float32Array.from(t.points) };
  const incl = await run("ahc", { linkage: "single", metric: "euclidean", threshold: t.threshold }, x);
  assertEquals(Array.from(incl.labels), t.scipy_fcluster);
  const excl = await run("ahc", {
    linkage: "single",
    metric: "euclidean",
    threshold: t.threshold,
    thresholdInclusive: false,
  }, x);
  assertEquals(Array.from(excl.labels), t.sklearn);
  assertEquals(incl.numClusters, 2);
  assertEquals(excl.numClusters, 3);
  // min/max bounds clamp a threshold cut
  const clamped = await run("ahc", { linkage: "single", metric: "euclidean", threshold: 100 }, x, {
    minClusters: 2,
  });
  assertEquals(clamped.numClusters, 2);
});

Deno.test("ahc: bad options and missing stopping rule explain themselves", async () => {
  await assertRejects(
    () => registry.create("clusterer", "ahc", { linkage: "ward", metric: "cosine" }),
    ConfigError,
  );
  await assertRejects(() => registry.create("clusterer", "ahc", { linkage: "avg" }), ConfigError);
  const c = await registry.create("clusterer", "ahc", {});
  const x: Matrix = { rows: 3, cols: 2, data: Float32Array.from([0, 1, 1, 0, 1, 1]) };
  await assertRejects(async () => await c.cluster(x), PluginError, "no stopping rule");
  const nan: Matrix = { rows: 2, cols: 1, data: Float32Array.from([0, NaN]) };
  await assertRejects(async () => await c.cluster(nan, { numClusters: 1 }), PluginError, "non-finite");
});

// ---------------------------------------------------------------------------------------- FINCH
async function checkFinch(x: Matrix, metric: string, ref: Any, label: string) {
  const r = await run("finch", { metric }, x);
  assertEquals(r.extra!.counts, ref.counts, `${label}: level counts`);
  const parts = r.extra!.partitions as Int32Array[];
  ref.partitions.forEach((p: number[], i: number) =>
    assert(samePartition(parts[i], p), `${label}: level ${i}`)
  );
  const rq = await run("finch", { metric }, x, { numClusters: ref.req });
  assertEquals(rq.numClusters, ref.req);
  assert(samePartition(rq.labels, ref.req_labels), `${label}: req_clust ${ref.req}`);
}

Deno.test("finch: hierarchy and req_clust equal the independent Python FINCH on blobs", async () => {
  const x = goldenMatrix(G.finch.blobs);
  await checkFinch(x, "euclidean", G.finch.blobs_euclidean, "blobs euclidean");
  await checkFinch(x, "cosine", G.finch.blobs_cosine, "blobs cosine");
});

Deno.test(
  needsShared("finch: hierarchy and req_clust equal the independent Python FINCH on 1025 x-vectors"),
  async () => {
    await checkFinch(xvecs(), "cosine", G.finch.xvec_cosine, "x-vectors cosine");
    await checkFinch(xvecs(), "euclidean", G.finch.xvec_euclidean, "x-vectors euclidean");
    const r = await run("finch", { metric: "cosine" }, xvecs(), { minClusters: 3, maxClusters: 10 });
    assertEquals(r.numClusters, 8);
  },
);

// --------------------------------------------------------------------------------------- k-means
Deno.test("kmeans: matches sklearn KMeans (inertia, partition) on blobs for k = 2..8; silhouette as sklearn", async () => {
  const x = goldenMatrix(G.kmeans.blobs);
  for (let k = 2; k <= 8; k++) {
    const ref = G.kmeans[`k${k}`];
    const r = await run("kmeans", { k, seed: 1 }, x);
    const inertia = r.extra!.inertia as number;
    // local optima may differ for large k; never worse than sklearn by more than 1 %, equal for k <= 4
    assert(inertia <= ref.inertia * 1.01, `k=${k}: inertia ${inertia} vs sklearn ${ref.inertia}`);
    if (k <= 4) {
      assertAlmostEquals(inertia, ref.inertia, 1e-6 * ref.inertia, `k=${k} inertia`);
      assert(samePartition(r.labels, ref.labels), `k=${k} partition`);
    }
    assertAlmostEquals(silhouette(x, ref.labels), ref.silhouette, 1e-5, `silhouette k=${k}`);
  }
});

Deno.test("kmeans: K by kneedle elbow and by silhouette find the 4 blobs; seeds are recorded", async () => {
  const x = goldenMatrix(G.kmeans.blobs);
  const e = await run("kmeans", { selectK: "elbow", kMin: 1, kMax: 8 }, x, { seed: 5 });
  assertEquals(e.extra!.chosenK, 4);
  assertEquals(e.extra!.seed, 5);
  assert(samePartition(e.labels, G.kmeans.k4.labels));
  const s = await run("kmeans", { selectK: "silhouette", kMax: 8 }, x);
  assertEquals(s.extra!.chosenK, 4);
  const sil = s.extra!.silhouette as number[];
  assertAlmostEquals(sil[2], G.kmeans.k4.silhouette, 1e-5);
});

Deno.test(
  needsShared("kmeans: 1025 x-vectors, k = 4 within 0.1 % of sklearn's inertia; spherical variant runs"),
  async () => {
    const ref = G.kmeans.xvec_k4;
    const r = await run("kmeans", { k: 4, seed: 3 }, xvecs());
    const inertia = r.extra!.inertia as number;
    assert(inertia <= ref.inertia * 1.001, `inertia ${inertia} vs sklearn ${ref.inertia}`);
    assert(adjustedRandIndex(r.labels, ref.labels) > 0.95, "ARI vs sklearn");
    // spherical: a fixed point of the spherical Lloyd map (centres = normalised member means, every point
    // on its max-cosine centre) with inertia = sum(1 - cos)
    const x = xvecs();
    const s = await run("kmeans", { k: 4, metric: "cosine", nInit: 3 }, x);
    const cents = s.extra!.centroids as Matrix;
    const d = x.cols;
    const unit = (i: number) => {
      let q = 0;
      for (let t = 0; t < d; t++) q += x.data[i * d + t] ** 2;
      return Math.sqrt(q);
    };
    let sph = 0;
    const mean = new Float64Array(4 * d);
    for (let i = 0; i < x.rows; i++) {
      const nr = unit(i);
      const cos = [0, 1, 2, 3].map((j) => {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += x.data[i * d + t] * cents.data[j * d + t];
        return dot / nr;
      });
      assertEquals(s.labels[i], cos.indexOf(Math.max(...cos)), `point ${i} on its max-cosine centre`);
      sph += 1 - cos[s.labels[i]];
      for (let t = 0; t < d; t++) mean[s.labels[i] * d + t] += x.data[i * d + t] / nr;
    }
    assertAlmostEquals(s.extra!.inertia as number, sph, 1e-3);
    for (let j = 0; j < 4; j++) {
      let nrm = 0;
      for (let t = 0; t < d; t++) nrm += mean[j * d + t] ** 2;
      for (let t = 0; t < d; t++) {
        assertAlmostEquals(
          cents.data[j * d + t],
          mean[j * d + t] / Math.sqrt(nrm),
          1e-4,
          "centre = normalised mean",
        );
      }
    }
  },
);

// -------------------------------------------------------------------------------------- spectral
Deno.test("eigh: eigenvalues equal numpy.linalg.eigh; A v = lambda v", () => {
  const g = G.eigh;
  const r = eigh(g.a, g.n);
  const n = g.n;
  for (let i = 0; i < n; i++) assertAlmostEquals(r.values[i], g.w[i], 1e-12);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g.a[i * n + k] * r.vectors![k * n + j];
      assertAlmostEquals(s, r.values[j] * r.vectors![i * n + j], 1e-12);
    }
  }
  const v = eigh(g.a, g.n, { vectors: false }).values;
  for (let i = 0; i < n; i++) assertAlmostEquals(v[i], g.w[i], 1e-12);
});

Deno.test(
  needsShared("spectral: NME-SC picks the same p and K as the independent numpy NME-SC"),
  async () => {
    const x = selectRows(xvecs(), G.nmesc.subset);
    for (
      const [m, ref] of [[x, G.nmesc.xvec], [goldenMatrix(G.finch.blobs), G.nmesc.blobs]] as [Matrix, Any][]
    ) {
      const r = await run("spectral", {}, m);
      assertEquals(r.extra!.pGrid, ref.ps);
      assertEquals(r.extra!.p, ref.p);
      assertEquals(r.numClusters, ref.k);
    }
    const blobs = goldenMatrix(G.finch.blobs);
    const truth = await run("kmeans", { k: 5 }, blobs);
    const sp = await run("spectral", {}, blobs);
    assert(adjustedRandIndex(sp.labels, truth.labels) > 0.99, "spectral finds the 5 blobs");
    const forced = await run("spectral", { maxSpeakers: 8 }, blobs, { numClusters: 3 });
    assertEquals(forced.numClusters, 3);
  },
);

Deno.test("extremeEigenvalues: block Lanczos finds a doubled eigenvalue twice and the largest (vs dense eigh)", () => {
  const rng = new Rng(4), m = 90, n = 2 * m;
  const b = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) b[i * m + j] = b[j * m + i] = rng.normal();
  const ref = eigh(b, m, { vectors: false }).values;
  // A = diag(B, B): every eigenvalue of B twice
  const mv = (x: Float64Array, y: Float64Array) => {
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += b[i * m + j] * x[h * m + j];
        y[h * m + i] = s;
      }
    }
  };
  const r = extremeEigenvalues(mv, n, 6, { vectors: true });
  for (let i = 0; i < 6; i++) assertAlmostEquals(r.lowest[i], ref[i >> 1], 1e-9, `lambda ${i}`);
  assertAlmostEquals(r.largest, ref[m - 1], 1e-9);
  assert(r.dim < n, "stopped before the full dimension");
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let c = 0; c < 6; c++) {
    for (let t = 0; t < n; t++) x[t] = r.vectors![t * 6 + c];
    mv(x, y);
    let res = 0, nrm = 0;
    for (let t = 0; t < n; t++) (res += (y[t] - r.lowest[c] * x[t]) ** 2), (nrm += x[t] ** 2);
    assert(Math.sqrt(res) < 1e-7 && Math.abs(nrm - 1) < 1e-9, `eigenvector ${c}`);
  }
});

Deno.test(
  needsShared(
    "spectral: per-component Laplacian eigenvalues (dense + Lanczos) equal a dense eigh of the whole",
  ),
  () => {
    const x = selectRows(xvecs(), G.nmesc.subset);
    const n = x.rows, top = 64;
    const g = new PrunedAffinity(rankRows(cosineMatrix(x, x).data, n, top), n, top);
    for (const p of [1, 2, 4, 14, 64]) { // fragmented (dense per component) to connected (Lanczos)
      const ref = eigh(g.grow(p).laplacian(), n, { vectors: false }).values;
      const r = laplacianExtremes(g, 9, true);
      const tol = 1e-8 * Math.max(1, ref[n - 1]);
      for (let i = 0; i < 9; i++) {
        assertAlmostEquals(r.lowest[i], ref[i], tol, `p=${p} lambda ${i}`);
      }
      assertAlmostEquals(r.largest, ref[n - 1], tol, `p=${p} lambda max`);
      const l = g.laplacian();
      for (let c = 0; c < 9; c++) {
        let res = 0, nrm = 0;
        for (let i = 0; i < n; i++) {
          nrm += r.vectors![i * 9 + c] ** 2;
          let s = 0;
          for (let j = 0; j < n; j++) s += l[i * n + j] * r.vectors![j * 9 + c];
          res += (s - r.lowest[c] * r.vectors![i * 9 + c]) ** 2;
        }
        assert(
          Math.sqrt(res) <= 100 * tol && Math.abs(nrm - 1) < 1e-9,
          `p=${p} eigenvector ${c}: residual ${res}`,
        );
      }
    }
  },
);

// ------------------------------------------------------------------------------------- FINCH+AHC
Deno.test(
  needsShared("finch-ahc: equals a definition-based Python FINCH-then-AHC (average, complete, ward)"),
  async () => {
    const x = selectRows(xvecs(), G.finch_ahc.subset);
    for (const key of ["average/cosine", "complete/cosine", "ward/euclidean"]) {
      const [method, metric] = key.split("/");
      const r = await run("finch-ahc", { linkage: method, metric }, x, { numClusters: 4 });
      assertEquals(r.extra!.firstCount, G.finch_ahc.first_count);
      assertEquals(r.numClusters, 4);
      assert(samePartition(r.labels, G.finch_ahc[key]), key);
    }
    // a target above the first partition's count returns that partition
    const many = await run("finch-ahc", {}, x, { numClusters: 10000 });
    assertEquals(many.numClusters, G.finch_ahc.first_count);
  },
);

// ------------------------------------------------------------------------------- concrete k-means
Deno.test("concrete-kmeans: straight-through backward pieces pass finite-difference checks", () => {
  const rng = new Rng(9);
  const n = 5, k = 3, d = 4, tau = 0.7;
  const x: Matrix = { rows: n, cols: d, data: Float32Array.from({ length: n * d }, () => rng.normal()) };
  const c: Matrix = { rows: k, cols: d, data: Float32Array.from({ length: k * d }, () => rng.normal()) };
  const w = Float32Array.from({ length: n * k }, () => rng.normal()); // L = sum w * soft
  // dL/dlogits through the softmax, checked by perturbing centroids (chain through logitsBackward)
  const lossAt = (cc: Matrix) => {
    const a = concreteAssign(x, cc, tau);
    let s = 0;
    for (let i = 0; i < n * k; i++) s += w[i] * a.soft[i];
    return s;
  };
  const a = concreteAssign(x, c, tau);
  const gL = softBackward(a.soft, w, k, tau);
  const { gradC, gradX } = logitsBackward(x, c, gL);
  const h = 1e-2;
  for (let t = 0; t < k * d; t++) {
    const up = { ...c, data: c.data.slice() }, dn = { ...c, data: c.data.slice() };
    up.data[t] += h;
    dn.data[t] -= h;
    const fd = (lossAt(up) - lossAt(dn)) / (2 * h);
    assertAlmostEquals(gradC[t], fd, 2e-3 + 2e-2 * Math.abs(fd), `dL/dc[${t}]`);
  }
  for (let t = 0; t < n * d; t++) {
    const up = { ...x, data: x.data.slice() }, dn = { ...x, data: x.data.slice() };
    up.data[t] += h;
    dn.data[t] -= h;
    const f = (xx: Matrix) => {
      const aa = concreteAssign(xx, c, tau);
      let s = 0;
      for (let i = 0; i < n * k; i++) s += w[i] * aa.soft[i];
      return s;
    };
    const fd = (f(up) - f(dn)) / (2 * h);
    assertAlmostEquals(gradX[t], fd, 2e-3 + 2e-2 * Math.abs(fd), `dL/dx[${t}]`);
  }
  // Gumbel noise: seeded, and hard = argmax of soft
  const g1 = concreteAssign(x, c, tau, new Rng(1)), g2 = concreteAssign(x, c, tau, new Rng(1));
  assertEquals(g1.soft, g2.soft);
  for (let i = 0; i < n; i++) {
    const row = Array.from(g1.soft.subarray(i * k, (i + 1) * k));
    assertEquals(g1.hard[i], row.indexOf(Math.max(...row)));
  }
});

Deno.test("concrete-kmeans: through the registry recovers the 4 blobs found by sklearn; exposes centroids", async () => {
  const x = goldenMatrix(G.kmeans.blobs);
  const r = await run("concrete-kmeans", { steps: 60 }, x, { numClusters: 4, seed: 2 });
  assertEquals(r.numClusters, 4);
  assert(adjustedRandIndex(r.labels, G.kmeans.k4.labels) > 0.99, "ARI vs sklearn KMeans");
  const probs = r.extra!.probabilities as Float32Array;
  assertEquals(probs.length, x.rows * 4);
  assertEquals((r.extra!.centroids as Matrix).rows, 4);
  const losses = r.extra!.losses as number[];
  assert(losses[losses.length - 1] <= losses[0] + 1e-6, "distortion does not grow");
  await assertRejects(
    async () => await (await registry.create("clusterer", "concrete-kmeans", {})).cluster(x),
    PluginError,
    "needs a cluster count",
  );
});

Deno.test("ahc: 10000 points (average linkage) equal scipy's partition and top heights", async () => {
  const ref = G.ahc.big;
  const x: Matrix = { rows: ref.rows, cols: ref.cols, data: new Float32Array(ref.rows * ref.cols) };
  for (let i = 0; i < ref.rows; i++) {
    for (let j = 0; j < ref.cols; j++) {
      x.data[i * ref.cols + j] = Math.sin(0.37 * i + 1.3 * j) + 0.5 * Math.cos(0.011 * i * (j + 1));
    }
  }
  const r = await run("ahc", { linkage: "average", metric: "euclidean", numClusters: 10 }, x);
  assert(samePartition(r.labels, ref.maxclust10), "maxclust 10 partition");
  const z = r.extra!.linkage as Float64Array;
  const tail = Array.from({ length: 20 }, (_, i) => z[z.length - 4 * (20 - i) + 2]);
  tail.forEach((h, i) => assertAlmostEquals(h, ref.heights_tail[i], 1e-5 * Math.max(1, ref.heights_tail[i])));
});

Deno.test("finch: approximate first neighbours (RP-forest + NN-descent) agree with the exact search", async () => {
  const rng = new Rng(4);
  const n = 4000, d = 32, c = 40;
  const cent = Float32Array.from({ length: c * d }, () => rng.normal());
  const x: Matrix = { rows: n, cols: d, data: new Float32Array(n * d) };
  for (let i = 0; i < n; i++) {
    const k = rng.int(c);
    for (let t = 0; t < d; t++) x.data[i * d + t] = cent[k * d + t] + 0.5 * rng.normal();
  }
  const exact = firstNeighbours(x, "cosine");
  const approx = approxNeighbours(x, "cosine", { ...ANN_DEFAULTS, seed: 1 });
  let hit = 0;
  for (let i = 0; i < n; i++) if (Math.abs(approx.dist[i] - exact.dist[i]) <= 1e-6) hit++;
  assert(hit / n > 0.95, `first-neighbour recall ${hit / n}`);
  const a = await run("finch", { annAbove: 0 }, x);
  const e = await run("finch", {}, x);
  assertEquals(a.extra!.approximate, true);
  assertEquals(e.extra!.approximate, false);
  const pa = a.extra!.partitions as Int32Array[], pe = e.extra!.partitions as Int32Array[];
  assert(adjustedRandIndex(pa[0], pe[0]) > 0.9, "level-0 partitions agree");
});

Deno.test("every clusterer: empty, 1-row, duplicate-row inputs and oversized requests give valid labels", async () => {
  const names = ["ahc", "finch", "finch-ahc", "kmeans", "spectral", "concrete-kmeans"];
  const listed = registry.list("clusterer").map((p) => p.def.name);
  for (const n of names) assert(listed.includes(n), `${n} registered`);
  const dup: Matrix = { rows: 6, cols: 2, data: Float32Array.from([1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]) };
  const one: Matrix = { rows: 1, cols: 2, data: Float32Array.from([1, 2]) };
  const none: Matrix = { rows: 0, cols: 2, data: new Float32Array(0) };
  for (const name of names) {
    const c = await registry.create(
      "clusterer",
      name,
      name === "ahc" || name === "finch-ahc" ? { numClusters: 2 } : {},
    );
    const r0 = await c.cluster(none, { numClusters: 1 });
    assertEquals(r0.labels.length, 0, name);
    const r1 = await c.cluster(one, { numClusters: 1 });
    assertEquals([r1.numClusters, r1.labels[0]], [1, 0], name);
    const r2 = await c.cluster(dup, { numClusters: 2 });
    assertEquals(r2.numClusters, 2, `${name} on duplicates`);
    assert(samePartition(r2.labels, [0, 0, 0, 1, 1, 1]), `${name} splits the two duplicate groups`);
  }
  const k = await registry.create("clusterer", "kmeans", {});
  const clamped = await k.cluster(dup, { numClusters: 7 }); // more clusters than rows: one per row
  assertEquals(clamped.numClusters, 6);
  assertEquals(clamped.extra?.chosenK, 6, "extra.chosenK reports the K used (was the 7 asked for)");
  await assertRejects(() => registry.create("clusterer", "finch", { metric: "manhattan" }), ConfigError);
  await assertRejects(
    () => registry.create("clusterer", "spectral", { minSpeakers: 5, maxSpeakers: 2 }),
    ConfigError,
  );
});

Deno.test("every clusterer: a malformed request (count 0/-1/2.5, min > max, bad seed) names the field", async () => {
  // Before: finch gave 1 cluster for numClusters 0 or -1, spectral crashed with "Invalid typed array
  // length", kmeans returned numClusters 2.5, and a NaN seed ran unseeded and recorded seed null.
  const names = ["ahc", "finch", "finch-ahc", "kmeans", "spectral", "concrete-kmeans"];
  const x: Matrix = {
    rows: 6,
    cols: 2,
    data: Float32Array.from([1, 0, 1, 0.1, 0.9, 0, 0, 1, 0.1, 1, 0, 0.9]),
  };
  const bad: [ClusterRequest, string][] = [
    [{ numClusters: 0 }, "request.numClusters"],
    [{ numClusters: -1 }, "request.numClusters"],
    [{ numClusters: 2.5 }, "request.numClusters"],
    [{ maxClusters: 0 }, "request.maxClusters"],
    [{ minClusters: 4, maxClusters: 2 }, "request.minClusters (4) must be <= request.maxClusters (2)"],
    [{ numClusters: 2, seed: Number.NaN }, "request.seed"],
    [{ numClusters: 2, seed: -1 }, "request.seed"],
  ];
  for (const name of names) {
    const c = await registry.create("clusterer", name, name === "ahc" ? { threshold: 0.5 } : {});
    for (const [req, msg] of bad) {
      await assertRejects(async () => await c.cluster(x, req), PluginError, msg);
    }
    assertEquals((await c.cluster(x, { numClusters: 2, seed: 3 })).numClusters, 2, name);
  }
});
