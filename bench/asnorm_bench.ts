/**
 * Bench: score 1M trials (1000 enrollment x 1000 test embeddings, dim 256) with cosine + AS-norm
 * (cohort 5000, top-300) through the registry, then the same with numpy (bench/asnorm_bench.py) in
 * the same run on the same float32 data, and print the time ratio. Single-threaded BLAS for the
 * anchor (OMP/OPENBLAS/MKL_NUM_THREADS=1) so it is one core against one core; pass --threads-anchor N
 * to let numpy use N threads.
 *
 * The machine is shared, so the two sides are interleaved: each of --rounds R (default 4) rounds runs
 * ours 3 times and numpy 3 times (in its own process), and the report keeps each side's best time;
 * the ratio is of those bests. Our time is split into the raw cosine scores, the cohort statistics
 * (cosine against the cohort + per-row top-N selection, both sides) and the per-trial normalisation.
 *
 *   deno run --allow-read --allow-write=/tmp --allow-run --allow-env bench/asnorm_bench.ts [--small]
 *     [--rounds R] [--threads-anchor N]
 * @module
 */
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { ScoreNormalizer, TrialScorer } from "../core/contracts/mod.ts";
import { Rng } from "../core/random.ts";
import type { Matrix } from "../core/matrix.ts";
import { topNStats } from "../core/scoring/cohort.ts";
import { cosineMatrix } from "../core/kernels/distance.ts";

const small = Deno.args.includes("--small");
const ti = Deno.args.indexOf("--threads-anchor");
const anchorThreads = ti >= 0 ? Deno.args[ti + 1] : "1";
const ri = Deno.args.indexOf("--rounds");
const ROUNDS = ri >= 0 ? Math.max(1, Number(Deno.args[ri + 1]) || 1) : 4;
const NE = small ? 200 : 1000,
  NT = small ? 200 : 1000,
  NC = small ? 1000 : 5000,
  DIM = 256,
  TOP = small ? 100 : 300;
const SEED = 20261123;

function embeddings(rng: Rng, rows: number, speakers: Float32Array[]): Matrix {
  const data = new Float32Array(rows * DIM);
  for (let i = 0; i < rows; i++) {
    const c = speakers[rng.int(speakers.length)];
    for (let j = 0; j < DIM; j++) data[i * DIM + j] = c[j] + 0.7 * rng.normal();
  }
  return { rows, cols: DIM, data };
}

const rng = new Rng(SEED);
const spk = Array.from({ length: 400 }, () => Float32Array.from({ length: DIM }, () => rng.normal()));
const enroll = embeddings(rng, NE, spk), test = embeddings(rng, NT, spk), cohort = embeddings(rng, NC, spk);
const trials = { enroll: new Int32Array(NE * NT), test: new Int32Array(NE * NT) };
for (let a = 0; a < NE; a++) {
  for (let b = 0; b < NT; b++) [trials.enroll[a * NT + b], trials.test[a * NT + b]] = [a, b];
}

const dir = await Deno.makeTempDir({ prefix: "embedkit-asnorm-bench-" });
try {
  await Deno.writeFile(`${dir}/enroll.f32`, new Uint8Array(enroll.data.buffer));
  await Deno.writeFile(`${dir}/test.f32`, new Uint8Array(test.data.buffer));
  await Deno.writeFile(`${dir}/cohort.f32`, new Uint8Array(cohort.data.buffer));

  const cos = await registry.create("scorer", "cosine", {}) as TrialScorer;
  const asn = await registry.create("scorer", "asnorm", { topN: TOP }) as ScoreNormalizer;
  const env = {
    OMP_NUM_THREADS: anchorThreads,
    OPENBLAS_NUM_THREADS: anchorThreads,
    MKL_NUM_THREADS: anchorThreads,
  };
  const anchorRun = async () => {
    const py = new Deno.Command("python3", {
      args: [
        new URL("./asnorm_bench.py", import.meta.url).pathname,
        dir,
        `${NE}`,
        `${NT}`,
        `${NC}`,
        `${DIM}`,
        `${TOP}`,
      ],
      env,
      stdout: "piped",
      stderr: "inherit",
    });
    const res = await py.output();
    if (!res.success) throw new Error("python3 bench/asnorm_bench.py failed (needs numpy on PATH's python3)");
    return JSON.parse(new TextDecoder().decode(res.stdout));
  };
  // interleaved rounds; the first of ours also pays JIT and WASM compilation
  let best = { total: Infinity, cosine: 0, asnorm: 0 };
  let bestStats = Infinity;
  let normed: Float32Array = new Float32Array(0);
  let anchor = { seconds: Infinity, seconds_sort: Infinity, picks: [] as number[], values: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      const raw = cos.score(enroll, test, trials);
      const t1 = performance.now();
      normed = asn.normalize(raw, { enroll, test, trials, cohort });
      const t2 = performance.now();
      if (t2 - t0 < best.total) best = { total: t2 - t0, cosine: t1 - t0, asnorm: t2 - t1 };
      // the cohort-statistics part alone (what AS-norm adds beyond the per-trial arithmetic)
      const t3 = performance.now();
      topNStats(enroll, cohort, TOP);
      topNStats(test, cohort, TOP);
      bestStats = Math.min(bestStats, performance.now() - t3);
    }
    const a = await anchorRun();
    if (a.seconds < anchor.seconds) {
      anchor = { ...a, seconds_sort: Math.min(a.seconds_sort, anchor.seconds_sort) };
    } else anchor.seconds_sort = Math.min(a.seconds_sort, anchor.seconds_sort);
  }
  const ours = best.total / 1000;

  // the statistics must be exactly WeSpeaker's: sort each row's cohort scores, sum the top N best
  // first in float64; check that bit for bit on the first 50 enrollment rows
  const probe: Matrix = { rows: 50, cols: DIM, data: enroll.data.subarray(0, 50 * DIM) };
  const fast = topNStats(probe, cohort, TOP), rows = cosineMatrix(probe, cohort);
  let exactRows = 0;
  for (let i = 0; i < probe.rows; i++) {
    const top = rows.data.slice(i * NC, (i + 1) * NC).sort().reverse().subarray(0, TOP);
    let s = 0, v = 0;
    for (const x of top) s += x;
    const m = s / TOP;
    for (const x of top) v += (x - m) ** 2;
    if (fast.mean[i] === m && fast.std[i] === Math.sqrt(v / TOP)) exactRows++;
  }
  let parity = 0;
  anchor.picks.forEach((
    p: number,
    i: number,
  ) => (parity = Math.max(parity, Math.abs(normed[p] - anchor.values[i]))));
  console.log(JSON.stringify(
    {
      bench: "asnorm",
      seed: SEED,
      trials: NE * NT,
      cohort: NC,
      topN: TOP,
      dim: DIM,
      embedkit_seconds: Number(ours.toFixed(3)),
      embedkit_cosine_seconds: Number((best.cosine / 1000).toFixed(3)),
      embedkit_asnorm_seconds: Number((best.asnorm / 1000).toFixed(3)),
      embedkit_cohort_stats_seconds: Number((bestStats / 1000).toFixed(3)),
      repeats: `best of ${ROUNDS} interleaved rounds x 3 runs (both sides)`,
      numpy_seconds: Number(anchor.seconds.toFixed(3)),
      numpy_sort_seconds: Number(anchor.seconds_sort.toFixed(3)),
      numpy_threads: Number(anchorThreads),
      ratio_embedkit_over_numpy: Number((ours / anchor.seconds).toFixed(2)),
      max_abs_diff_vs_numpy: parity,
      stats_bit_exact_vs_sorted_reference: `${exactRows}/${probe.rows} rows`,
    },
    null,
    2,
  ));
} finally {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
