/**
 * Speaker store speed, one run: identify latency (p50/p99) and recall@1/@10 of HNSW search against
 * exact search (the WASM cosine + top-k kernels of core/kernels/distance.ts, the anchor of this run),
 * for the embedded PGlite store at 100k enrolled speakers and a PostgreSQL 15 + pgvector 0.8.6 server
 * (tests/pg_server.ts, throwaway on 127.0.0.1) at 1M; enrollment throughput of both; HNSW build time.
 * Data: bench/speaker_store_data.ts (seeded, speaker-like, hard for ANN indexes: it says why).
 *
 * Each speaker is enrolled with one utterance (its model vector), through the store's own API:
 * `enroll()` (one transaction per speaker, as the CLI does) for the first 1000, `enrollMany()` in
 * transactions of 2000 for the rest, with the index dropped during the load and built once afterwards
 * (`buildIndex`, pgvector's parallel build: leader + `max_parallel_maintenance_workers`).
 * Latency is `SpeakerStore.search`, the identify query as the CLI runs it (BEGIN, SET LOCAL
 * hnsw.ef_search, SELECT of the k + 10 nearest by the index re-ranked by exact cosine, COMMIT), from
 * this process through npm `postgres` over TCP (server) or in-process (PGlite).
 *
 * Server settings (pgvector's tuning notes): shared_buffers holds the table and the index, which are
 * loaded into it with pg_prewarm before timing; jit off; maintenance_work_mem holds the graph while
 * building. The machine is shared: load and build run at nice 10; the timed queries run with this
 * process and the server's query backends at nice 0 (a serving database has priority over batch jobs;
 * the other jobs on the machine keep running), and the load average is recorded with the results.
 *
 *   nice -n 10 deno run -A bench/speaker_store_bench.ts [--scale 1] [--queries 1000] [--m 32]
 *     [--ef-construction 200] [--type halfvec|vector] [--ef-search 40,100,...] [--skip pglite,postgres]
 *     [--out bench/speaker_store_bench.results.json]
 *
 * Writes the results file and prints a markdown table (the README's).
 * @module
 */
import { parseArgs } from "node:util";
import { Rng } from "../core/random.ts";
import { type ModelId, openSpeakerStore, type SpeakerStore } from "../core/speakers/mod.ts";
import type { IndexType } from "../core/speakers/mod.ts";
import type { Matrix } from "../core/matrix.ts";
import { startPgServer } from "../tests/pg_server.ts";
import { DATA_DESCRIPTION, DIM, exact, generate, pct, rowOf, sub } from "./speaker_store_data.ts";
import { type BenchResults, frontier, markdownTable, type SearchRow } from "./speaker_store_table.ts";

const { values: flags } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    queries: { type: "string", default: "1000" },
    m: { type: "string", default: "32" },
    "ef-construction": { type: "string", default: "200" },
    type: { type: "string", default: "halfvec" },
    "ef-search": { type: "string", default: "40,100,200,400,600,800,1000" },
    skip: { type: "string", default: "" },
    out: { type: "string", default: "" },
  },
});
const SEED = 20261204;
const scale = Number(flags.scale), Q = Number(flags.queries);
const N_SMALL = Math.round(100_000 * scale), N_LARGE = Math.round(1_000_000 * scale);
const HNSW = {
  m: Number(flags.m),
  efConstruction: Number(flags["ef-construction"]),
  type: flags.type as IndexType,
};
const EFS = flags["ef-search"]!.split(",").map(Number);
const skip = new Set(flags.skip!.split(",").filter(Boolean));
const OUT = flags.out || new URL("./speaker_store_bench.results.json", import.meta.url).pathname;
const SERVER = {
  shared_buffers: `${Math.max(128, Math.ceil(3072 * scale))}MB`,
  effective_cache_size: "8GB",
  maintenance_work_mem: `${Math.max(256, Math.ceil(3072 * scale))}MB`,
  max_parallel_maintenance_workers: "1",
  max_wal_size: "8GB",
  jit: "off",
  work_mem: "16MB",
  synchronous_commit: "off",
};
const MODEL: ModelId = {
  sha256: "b".repeat(64),
  frontend: '{"bench":true}',
  dim: DIM,
  backbone: "bench-synthetic",
};
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const loadavg = () => Deno.loadavg().map((x) => Number(x.toFixed(2)));

async function renice(pids: number[], to: number): Promise<boolean> {
  const out = await new Deno.Command("renice", { args: ["-n", String(to), "-p", ...pids.map(String)] })
    .output().catch(() => undefined);
  return !!out?.success;
}

async function load(store: SpeakerStore, base: Matrix, label: string) {
  const item = (i: number) => ({
    audioSha256: `a${i}`.padEnd(64, "0"),
    source: `synthetic/${i}`,
    embedding: rowOf(base, i),
  });
  await store.enroll("s0", MODEL, [item(0)]); // binds the store (and creates the index)
  await store.dropIndex();
  const single = Math.min(1000, base.rows);
  let t0 = performance.now();
  for (let i = 1; i < single; i++) await store.enroll(`s${i}`, MODEL, [item(i)]);
  const singlePerS = (single - 1) / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  const B = 2000;
  for (let i = single; i < base.rows; i += B) {
    const batch = [];
    for (let k = i; k < Math.min(base.rows, i + B); k++) batch.push({ name: `s${k}`, items: [item(k)] });
    await store.enrollMany(MODEL, batch);
    if (((i - single) / B) % 50 === 0) log(`${label}: enrolled ${i + batch.length}/${base.rows}`);
  }
  const bulkPerS = (base.rows - single) / ((performance.now() - t0) / 1000);
  log(
    `${label}: enroll() ${singlePerS.toFixed(0)}/s, enrollMany ${bulkPerS.toFixed(0)}/s; HNSW ${
      JSON.stringify(HNSW)
    }`,
  );
  const buildS = await store.buildIndex(HNSW);
  log(`${label}: HNSW built in ${buildS.toFixed(1)} s`);
  return {
    enrollPerSecond: Math.round(singlePerS),
    enrollManyPerSecond: Math.round(bulkPerS),
    hnswBuildSeconds: buildS,
  };
}

async function searchAll(store: SpeakerStore, queries: Matrix, truth: Int32Array, ef: number, n: number) {
  for (let q = 0; q < 10; q++) await store.search(MODEL, rowOf(queries, n + q), 10, { efSearch: ef }); // warm-up
  const lat: number[] = [];
  let r1 = 0, r10 = 0;
  for (let q = 0; q < n; q++) {
    const t0 = performance.now();
    const hits = await store.search(MODEL, rowOf(queries, q), 10, { efSearch: ef });
    lat.push(performance.now() - t0);
    const got = new Set(hits.map((h) => Number(h.name.slice(1))));
    const want = truth.subarray(q * 10, q * 10 + 10);
    if (hits.length && Number(hits[0].name.slice(1)) === want[0]) r1++;
    for (const w of want) if (got.has(w)) r10++;
  }
  const row: SearchRow = {
    efSearch: ef,
    queries: n,
    p50Ms: pct(lat, 0.5),
    p99Ms: pct(lat, 0.99),
    recallAt1: r1 / n,
    recallAt10: r10 / (10 * n),
  };
  log(`ef ${ef}: p50 ${row.p50Ms.toFixed(2)} ms, recall@10 ${row.recallAt10.toFixed(4)}, load ${loadavg()}`);
  return row;
}

/** The timed sweep: this process and the server's client backends at nice 0 (see the module doc). */
async function sweep(store: SpeakerStore, queries: Matrix, truth: Int32Array, n: number, pids: number[]) {
  const niced = await renice([Deno.pid, ...pids], 0);
  const before = loadavg(), search = [];
  for (const ef of EFS) search.push(await searchAll(store, queries, truth, ef, n));
  if (niced) await renice([Deno.pid, ...pids], 10);
  return { search, queryNice: niced ? 0 : "unchanged", loadAverage: { before, after: loadavg() } };
}

async function dirSize(dir: string): Promise<number> {
  let s = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    s += e.isDirectory ? await dirSize(p) : (await Deno.stat(p)).size;
  }
  return s;
}

log(`generating ${N_LARGE} x ${DIM} (seed ${SEED})`);
const { base, queries } = generate(N_LARGE, N_SMALL, Q + 10, new Rng(SEED)); // queries: first N_SMALL speakers
const exSmall = exact(sub(base, N_SMALL), sub(queries, Q), log);
const exLarge = exact(base, sub(queries, Q), log);
const results: BenchResults = {
  seed: SEED,
  dim: DIM,
  queries: Q,
  hnsw: HNSW,
  data: DATA_DESCRIPTION,
  machine:
    `${Deno.build.os} ${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`,
  exact: {
    [N_SMALL]: { p50Ms: exSmall.p50, p99Ms: exSmall.p99, batchedMsPerQuery: exSmall.batchMsPerQuery },
    [N_LARGE]: { p50Ms: exLarge.p50, p99Ms: exLarge.p99, batchedMsPerQuery: exLarge.batchMsPerQuery },
  },
};

if (!skip.has("pglite")) {
  const dir = await Deno.makeTempDir({ prefix: "embedkit-bench-pglite-" });
  const store = await openSpeakerStore(`${dir}/store`);
  try {
    await store.conn.query("SET maintenance_work_mem = '512MB'");
    const loadR = await load(store, sub(base, N_SMALL), "pglite");
    const s = await sweep(store, queries, exSmall.top, Math.min(Q, 300), []);
    results.pglite = { speakers: N_SMALL, ...loadR, ...s, diskBytes: await dirSize(dir) };
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (!skip.has("postgres")) {
  const server = await startPgServer(SERVER);
  if ("skip" in server) {
    results.postgres = { skipped: server.skip };
  } else {
    try {
      const store = await openSpeakerStore(await server.database("bench"));
      try {
        const loadR = await load(store, base, "postgres");
        await store.conn.query("VACUUM ANALYZE speakers");
        await store.conn.query("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
        const [w] = await store.conn.query(
          "SELECT pg_prewarm('speakers')::float8 AS heap, pg_prewarm('speakers_model_hnsw')::float8 AS index",
        );
        log(`prewarmed ${JSON.stringify(w)} blocks`);
        const pids = (await store.conn.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = 'bench'",
        )).map((r) => Number(r.pid));
        const s = await sweep(store, queries, exLarge.top, Q, pids);
        const [sz] = await store.conn.query(
          "SELECT pg_relation_size('speakers_model_hnsw')::float8 AS i, pg_table_size('speakers')::float8 AS t",
        );
        results.postgres = {
          speakers: N_LARGE,
          ...loadR,
          ...s,
          indexBytes: Number(sz.i),
          tableBytes: Number(sz.t),
          settings: SERVER,
        };
      } finally {
        await store.close();
      }
    } finally {
      await server.stop();
    }
  }
}

results.frontier = frontier(results);
await Deno.writeTextFile(OUT, JSON.stringify(results, null, 2) + "\n");
console.log(markdownTable(results));
console.log(JSON.stringify(results.frontier, null, 2));
