/**
 * The speaker store bench's results (bench/speaker_store_bench.ts writes them): their shape, the
 * latency/recall frontier (the best p50 at recall@10 >= 0.99 and the best recall@10 at p50 <= 10 ms),
 * and the README's markdown table built from one or more results files:
 *
 *   deno run --allow-read bench/speaker_store_table.ts bench/speaker_store_bench.results.json [more.json...]
 * @module
 */

/** One ef_search setting of a sweep. */
export interface SearchRow {
  readonly efSearch: number;
  readonly queries: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly recallAt1: number;
  readonly recallAt10: number;
}

/** A store's part of the results. */
export interface StoreResults {
  readonly speakers: number;
  readonly search: readonly SearchRow[];
  readonly hnswBuildSeconds: number;
  readonly enrollPerSecond: number;
  readonly enrollManyPerSecond: number;
  readonly indexBytes?: number;
  readonly [k: string]: unknown;
}

/** The whole results file. */
export interface BenchResults {
  seed: number;
  dim: number;
  queries: number;
  hnsw: { m: number; efConstruction: number; type?: string };
  data: string;
  machine: string;
  exact: Record<string, { p50Ms: number; p99Ms: number; batchedMsPerQuery: number }>;
  pglite?: StoreResults;
  postgres?: StoreResults | { skipped: string };
  frontier?: Record<string, unknown>;
}

/** The target: recall@10 at least this against exact search ... */
export const TARGET_RECALL = 0.99;
/** ... with a p50 identify latency at most this (ms). */
export const TARGET_P50_MS = 10;

const stores = (r: BenchResults) =>
  (["pglite", "postgres"] as const).flatMap((k) => {
    const s = r[k];
    return s && "search" in s ? [{ key: k, s }] : [];
  });

/** Per store: the fastest setting with recall@10 >= 0.99 and the best recall@10 with p50 <= 10 ms. */
export function frontier(r: BenchResults): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, s } of stores(r)) {
    const ok = s.search.filter((x) => x.recallAt10 >= TARGET_RECALL).sort((a, b) => a.p50Ms - b.p50Ms)[0];
    const fast = s.search.filter((x) =>
      x.p50Ms <= TARGET_P50_MS
    ).sort((a, b) => b.recallAt10 - a.recallAt10)[0];
    out[key] = {
      speakers: s.speakers,
      bestP50AtRecall099: ok ? { efSearch: ok.efSearch, p50Ms: ok.p50Ms, recallAt10: ok.recallAt10 } : null,
      bestRecallAtP50_10ms: fast
        ? { efSearch: fast.efSearch, p50Ms: fast.p50Ms, recallAt10: fast.recallAt10 }
        : null,
      targetMet: !!ok && ok.p50Ms <= TARGET_P50_MS,
    };
  }
  return out;
}

const f2 = (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2);

/** The README table: exact rows, then one row per store and ef_search, settings in the first column. */
export function markdownTable(...runs: BenchResults[]): string {
  const rows = [
    "| store (index) | speakers | ef_search | p50 ms | p99 ms | recall@1 | recall@10 |",
    "|---|---|---|---|---|---|---|",
  ];
  const first = runs[0];
  for (const [n, e] of Object.entries(first.exact)) {
    rows.push(
      `| exact (WASM kernel, 1 query/call; batched ${f2(e.batchedMsPerQuery)} ms/query) | ${
        Number(n).toLocaleString("en")
      } | - | ${f2(e.p50Ms)} | ${f2(e.p99Ms)} | 1 | 1 |`,
    );
  }
  for (const r of runs) {
    const h = r.hnsw;
    for (const { key, s } of stores(r)) {
      const label = `${key === "pglite" ? "PGlite" : "PostgreSQL"} HNSW (${h.type ?? "vector"}, m ${h.m}, ` +
        `ef_construction ${h.efConstruction}; build ${Math.round(s.hnswBuildSeconds)} s)`;
      for (const x of s.search) {
        rows.push(
          `| ${label} | ${s.speakers.toLocaleString("en")} | ${x.efSearch} | ${f2(x.p50Ms)} | ${
            f2(x.p99Ms)
          } | ${x.recallAt1.toFixed(3)} | ${x.recallAt10.toFixed(4)} |`,
        );
      }
    }
  }
  return rows.join("\n");
}

if (import.meta.main) {
  const runs = Deno.args.map((p) => JSON.parse(Deno.readTextFileSync(p)) as BenchResults);
  if (!runs.length) {
    throw new Error("give one or more results files (bench/speaker_store_bench.results.json)");
  }
  console.log(markdownTable(...runs));
}
