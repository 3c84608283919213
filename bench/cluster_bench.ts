/**
 * Clusterer speed against the anchors, in one run: scipy (AHC average linkage, 5000 x 256), sklearn
 * (k-means, 100000 x 256) and sklearn's brute-force first-neighbour search, FINCH's dominant cost
 * (100000 x 256). Both sides get the same float32 data (seeded blobs written to a temp file) and one
 * thread (OMP/OpenBLAS/MKL_NUM_THREADS=1). Prints a table and ratios (ours / anchor; < 1 = faster).
 *
 *   deno run -A bench/cluster_bench.ts [--scale 1] [--only ahc,kmeans,finch]
 *
 * `--scale 0.2` shrinks every size for a quick look. Python: pyenv `python3` for scipy, /usr/bin/python3
 * for sklearn (override with SCIPY_PYTHON / SKLEARN_PYTHON).
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/random.ts";
import { status } from "../core/progress.ts";
import { kmeans, kmeansPlusPlus } from "../core/cluster/kmeans.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { scale: { type: "string", default: "1" }, only: { type: "string", default: "ahc,kmeans,finch" } },
});
const scale = Number(values.scale);
const only = new Set(values.only!.split(","));
const HERE = dirname(fileURLToPath(import.meta.url));
const SCIPY_PY = Deno.env.get("SCIPY_PYTHON") ?? "python3";
const SKLEARN_PY = Deno.env.get("SKLEARN_PYTHON") ?? "/usr/bin/python3";

function blobs(n: number, d: number, centers: number, seed: number): Matrix {
  const r = new Rng(seed);
  const c = Float32Array.from({ length: centers * d }, () => r.normal());
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const k = r.int(centers);
    for (let t = 0; t < d; t++) x[i * d + t] = c[k * d + t] + 0.7 * r.normal();
  }
  return { rows: n, cols: d, data: x };
}

async function anchor(
  py: string,
  task: string,
  x: Matrix,
  extra: string[] = [],
): Promise<Record<string, number>> {
  const path = await Deno.makeTempFile({ prefix: "embedkit-bench-", suffix: ".f32" });
  try {
    await Deno.writeFile(path, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    const env = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const out = await new Deno.Command(py, {
      args: [join(HERE, "cluster_bench.py"), task, path, String(x.rows), String(x.cols), ...extra],
      env,
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`${py} ${task} failed`);
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

async function time<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, (performance.now() - t) / 1000];
}

const rows: string[][] = [["task", "size", "embedkit s", "anchor", "anchor s", "ratio", "note"]];
const sz = (n: number) => Math.max(100, Math.round(n * scale));

if (only.has("ahc")) {
  const x = blobs(sz(5000), 256, 20, 1);
  status(`ahc: average linkage on ${x.rows} x 256`);
  const c = await registry.create("clusterer", "ahc", { linkage: "average", metric: "cosine" });
  const [r, ours] = await time(async () => await c.cluster(x, { numClusters: 20 }));
  const a = await anchor(SCIPY_PY, "ahc-average", x);
  const z = r.extra!.linkage as Float64Array;
  rows.push([
    "AHC average (cosine)",
    `${x.rows}x256`,
    ours.toFixed(2),
    "scipy pdist+linkage",
    a.seconds.toFixed(2),
    (ours / a.seconds).toFixed(2),
    `top height ours ${z[z.length - 2].toFixed(6)} scipy ${a.top_height.toFixed(6)}; scipy linkage alone ${
      a.linkage_seconds.toFixed(2)
    } s`,
  ]);
}

if (only.has("kmeans")) {
  const x = blobs(sz(100000), 256, 20, 2);
  status(`kmeans: k=20, Lloyd from the same start (first 20 rows), <= 30 iterations on ${x.rows} x 256`);
  const k = 20;
  const init: Matrix = { rows: k, cols: x.cols, data: x.data.slice(0, k * x.cols) };
  const [, oursInit] = await time(async () => kmeansPlusPlus(x, k, new Rng(0), false));
  const [r0, ours] = await time(async () =>
    kmeans(x, { k, metric: "euclidean", nInit: 1, maxIter: 30, tol: 1e-4, init }, new Rng(0))
  );
  const r = { extra: { iterations: r0.iterations, inertia: r0.inertia } };
  const a = await anchor(SKLEARN_PY, "kmeans", x, [String(k)]);
  rows.push([
    "k-means++ init k=20",
    `${x.rows}x256`,
    oursInit.toFixed(2),
    "sklearn kmeans_plusplus",
    a.init_seconds.toFixed(2),
    (oursInit / a.init_seconds).toFixed(2),
    "greedy, 2 + floor(ln k) candidates both sides",
  ]);
  rows.push([
    "k-means Lloyd k=20",
    `${x.rows}x256`,
    ours.toFixed(2),
    "sklearn KMeans lloyd, same start",
    a.seconds.toFixed(2),
    (ours / a.seconds).toFixed(2),
    `iterations ours ${r.extra!.iterations} sklearn ${a.iterations}; inertia ours ${
      (r.extra!.inertia as number).toExponential(4)
    } sklearn ${a.inertia.toExponential(4)}`,
  ]);
}

if (only.has("finch")) {
  const x = blobs(sz(100000), 256, 50, 3);
  status(`finch: ${x.rows} x 256 (approximate first neighbours above 70000 rows)`);
  const c = await registry.create("clusterer", "finch", { metric: "cosine" });
  const [r, ours] = await time(async () => await c.cluster(x));
  // exact brute-force 1-NN is O(n^2): time it on the first 20000 rows and extrapolate quadratically
  const na = Math.min(x.rows, 20000);
  const sub: Matrix = { rows: na, cols: x.cols, data: x.data.subarray(0, na * x.cols) };
  const a0 = await anchor(SKLEARN_PY, "finch-first-neighbours", sub);
  const a = { seconds: a0.seconds * (x.rows / na) ** 2 };
  const counts = r.extra!.counts as number[];
  rows.push([
    "FINCH full hierarchy",
    `${x.rows}x256`,
    ours.toFixed(2),
    na < x.rows
      ? `sklearn brute 1-NN (${na} rows, x${((x.rows / na) ** 2).toFixed(0)} extrapolated)`
      : "sklearn brute 1-NN",
    a.seconds.toFixed(2),
    (ours / a.seconds).toFixed(2),
    `levels ${counts.join(" > ")}; approximate ${r.extra!.approximate}; target < 30 s`,
  ]);
}

const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
for (const r of rows) console.log(r.map((v, j) => v.padEnd(w[j])).join("  "));
