/**
 * Distance kernels against numpy (OpenBLAS, OPENBLAS_NUM_THREADS=1) on the same float32 data, in one
 * run: cosine and dot matrices 1024x192 vs 1024x192 (target: within 2x of numpy), and the tiled
 * 20000x256 vs 20000x256 cosine with a row max kept per tile (never the full 1.6 GB matrix).
 * Prints a table with ratios (ours / numpy; < 1 = faster). Best of N runs on each side.
 *
 *   deno run -A bench/distance_bench.ts [--big-rows 20000] [--reps 15]
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { cosineMatrix, dotMatrix, forEachTile } from "../core/kernels/distance.ts";
import type { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/random.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { "big-rows": { type: "string", default: "20000" }, reps: { type: "string", default: "15" } },
});
const REPS = Number(values.reps), BIG = Number(values["big-rows"]);
const HERE = dirname(fileURLToPath(import.meta.url));
const PY = Deno.env.get("NUMPY_PYTHON") ?? "python3";

function randn(n: number, d: number, seed: number): Matrix {
  const r = new Rng(seed);
  return { rows: n, cols: d, data: Float32Array.from({ length: n * d }, () => r.normal()) };
}

function best(fn: () => void, reps: number): number {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t / 1000;
}

async function numpy(a: Matrix, b: Matrix, reps: number, tile: number): Promise<Record<string, number>> {
  const pa = await Deno.makeTempFile({ suffix: ".f32" }), pb = await Deno.makeTempFile({ suffix: ".f32" });
  try {
    await Deno.writeFile(pa, new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
    await Deno.writeFile(pb, new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength));
    const env = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const args = [
      join(HERE, "distance_bench.py"),
      pa,
      pb,
      `${a.rows}`,
      `${b.rows}`,
      `${a.cols}`,
      `${reps}`,
      `${tile}`,
    ];
    const out = await new Deno.Command(PY, { args, env, stdout: "piped", stderr: "inherit" }).output();
    if (!out.success) throw new Error(`${PY} distance_bench.py failed`);
    return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  } finally {
    await Deno.remove(pa);
    await Deno.remove(pb);
  }
}

const rows: [string, number, number][] = [];
{
  const a = randn(1024, 192, 1), b = randn(1024, 192, 2);
  cosineMatrix(a, b); // warm up (compile, grow memory)
  const ours = { cosine: best(() => cosineMatrix(a, b), REPS), dot: best(() => dotMatrix(a, b), REPS) };
  const np = await numpy(a, b, REPS, 0);
  rows.push(["cosine 1024x192 vs 1024x192", ours.cosine, np.cosine], [
    "dot 1024x192 vs 1024x192",
    ours.dot,
    np.dot,
  ]);
}
{
  const a = randn(BIG, 256, 3), b = randn(BIG, 256, 4);
  const tile = 512;
  const run = () => {
    let s = 0;
    forEachTile(a, b, "cosine", (t) => {
      for (let i = 0; i < t.rows; i++) {
        let m = -Infinity;
        for (let j = 0; j < t.cols; j++) m = Math.max(m, t.data[i * t.cols + j]);
        s += m;
      }
    }, { tileRows: tile });
    return s;
  };
  const ours = best(run, 1);
  const np = await numpy(a, b, 1, tile);
  rows.push([`tiled cosine ${BIG}x256 vs ${BIG}x256 (+row max)`, ours, np.tiled]);
}
console.log("| case | ours (ms) | numpy 1 thread (ms) | ours / numpy |");
console.log("|---|---|---|---|");
for (const [name, o, n] of rows) {
  console.log(`| ${name} | ${(o * 1000).toFixed(2)} | ${(n * 1000).toFixed(2)} | ${(o / n).toFixed(2)} |`);
}
