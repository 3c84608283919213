/**
 * The speaker store bench's data (bench/speaker_store_bench.ts): seeded speaker-like vectors and the
 * exact top-10 of each query (the anchor every recall is measured against).
 *
 * A latent speaker vector (0.6 · group centre + 0.8 · own part, each N(0, I)) is seen through an
 * anisotropic spectrum, x_k = sqrt(1/k) · latent_k, then L2-normalised. Real embeddings are far from
 * isotropic (the TDNN embedkit ships has 90 % of its between-speaker variance in 13 of 192 dims on
 * LibriSpeech train-clean-100); 1/k puts 90 % in 140 of 256 dims (participation ratio ~23 dims).
 * Cosine and every ANN distance are rotation invariant, so the spectrum needs no random basis. Queries:
 * latent + 0.88 · N(0, I) through the same spectrum (a new utterance: cosine ~0.75 to its speaker).
 * Speaker i is in group floor(i / 50), so the first 100k speakers hold complete groups too.
 *
 * What makes it hard (measured with numpy on this data, 1000 queries): at 1M the query's own speaker is
 * its exact top-1 in 94 % of queries, but ranks 2-10 are mostly speakers of OTHER groups (83 %) at
 * cosine 0.56-0.60 while rank 100 is at 0.52: low contrast, so an index must look at many candidates.
 * An IVF (k-means, 1000 lists) needs to scan 25 % of the rows for recall@10 0.99.
 * @module
 */
import { topkTiled } from "../core/kernels/distance.ts";
import type { Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/random.ts";

/** Dimension of the bench's vectors. */
export const DIM = 256;

/** The generator's description (recorded in the results). */
export const DATA_DESCRIPTION =
  "groups of 50; latent 0.6 c_g + 0.8 z; x_k = sqrt(1/k) latent_k, unit; query latent + 0.88 w; one utterance per speaker";

const SPECTRUM = Float32Array.from({ length: DIM }, (_, k) => Math.sqrt(1 / (k + 1)));

function normalise(x: Float32Array, off: number): void {
  let n = 0;
  for (let j = 0; j < DIM; j++) n += x[off + j] ** 2;
  const inv = 1 / Math.sqrt(n);
  for (let j = 0; j < DIM; j++) x[off + j] *= inv;
}

/** `n` speaker vectors in groups of 50, and `q` queries from the first `among` speakers. */
export function generate(n: number, among: number, q: number, rng: Rng): { base: Matrix; queries: Matrix } {
  const groups = Math.ceil(n / 50), c = new Float32Array(groups * DIM);
  for (let i = 0; i < c.length; i++) c[i] = rng.normal();
  const latent = new Float32Array(n * DIM), base = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const g = Math.floor(i / 50);
    for (let j = 0; j < DIM; j++) {
      const l = latent[i * DIM + j] = 0.6 * c[g * DIM + j] + 0.8 * rng.normal();
      base[i * DIM + j] = SPECTRUM[j] * l;
    }
    normalise(base, i * DIM);
  }
  const queries = new Float32Array(q * DIM);
  for (let k = 0; k < q; k++) {
    const s = rng.int(among);
    for (let j = 0; j < DIM; j++) {
      queries[k * DIM + j] = SPECTRUM[j] * (latent[s * DIM + j] + 0.88 * rng.normal());
    }
    normalise(queries, k * DIM);
  }
  return { base: { rows: n, cols: DIM, data: base }, queries: { rows: q, cols: DIM, data: queries } };
}

/** The first `rows` rows of a matrix (a view). */
export const sub = (m: Matrix, rows: number): Matrix => ({
  rows,
  cols: m.cols,
  data: m.data.subarray(0, rows * m.cols),
});

/** Row `i` of a matrix (a view). */
export const rowOf = (m: Matrix, i: number): Float32Array => m.data.subarray(i * m.cols, (i + 1) * m.cols);

/** The `p` quantile (nearest rank below) of `xs`. */
export const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Exact top-10 of every query (batched) and single-query latencies, with the WASM cosine kernel. */
export function exact(base: Matrix, queries: Matrix, log: (s: string) => void) {
  let t0 = performance.now();
  const top = topkTiled(queries, base, 10, "cosine");
  const batchMs = performance.now() - t0;
  const lat: number[] = [];
  for (let q = 0; q < 20; q++) {
    t0 = performance.now();
    topkTiled({ rows: 1, cols: DIM, data: rowOf(queries, q) }, base, 10, "cosine");
    lat.push(performance.now() - t0);
  }
  log(
    `exact ${base.rows}: ${queries.rows} queries batched in ${(batchMs / 1000).toFixed(1)} s; single p50 ${
      pct(lat, 0.5).toFixed(1)
    } ms`,
  );
  return {
    top: top.indices,
    batchMsPerQuery: batchMs / queries.rows,
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
  };
}
