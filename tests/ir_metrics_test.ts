/**
 * Retrieval metrics: Cranfield with TF-IDF against an independent Python run (sklearn TfidfVectorizer
 * + the InformationRetrievalEvaluator loop, tests/golden/ir_metrics_golden.py), a hand-checked toy
 * ranking, Matryoshka dims, and the `ir-metrics` plugin through the registry.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { golden, needsShared, shared } from "./helpers.ts";
import { readCranfield } from "../core/retrieval/cranfield.ts";
import { sparseCosineScores, TfidfModel, tokenize } from "../core/retrieval/tfidf.ts";
import {
  evaluateEmbeddingRetrieval,
  irMetricsFromRankings,
  irMetricsFromScores,
  topKRows,
} from "../core/retrieval/ir_metrics.ts";
import { fromRows } from "../core/matrix.ts";
import { registry } from "../core/registry.ts";
import type { Metric } from "../core/contracts/mod.ts";
import "../plugins/mod.ts";

type Metrics = Record<string, number>;
interface Golden {
  sklearn: string;
  cranfield_tfidf: {
    docs: number;
    queries: number;
    vocabulary: number;
    judged_pairs: number;
    spot_scores: [number, number, number][];
    top5_query1: number[];
    metrics: Metrics;
  };
  matryoshka: {
    queries: number[][];
    corpus: number[][];
    relevant: number[][];
    dims: number[];
    metrics: Record<string, Metrics>;
  };
}
const G = golden<Golden>("ir_metrics.json");

function assertMetrics(actual: Metrics, expected: Metrics, tol: number, what: string): void {
  assertEquals(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what}: metric names`);
  for (const [k, v] of Object.entries(expected)) assertAlmostEquals(actual[k], v, tol, `${what} ${k}`);
}

Deno.test("ir metrics: hand-computed toy ranking (precision divides by k, MAP by min(k, relevant))", () => {
  // Query 0: relevant {2, 5}; ranking 2, 7, 5, ... -> hits at ranks 1 and 3.
  // Query 1: no relevant documents -> dropped.
  const cut = { accuracyAtK: [1], precisionRecallAtK: [3], mrrAtK: [10], ndcgAtK: [3], mapAtK: [1, 10] };
  const m = irMetricsFromRankings([[2, 7, 5, 1, 0], [1, 2, 3]], [[2, 5], []], cut);
  assertEquals(m.queries, 1);
  assertEquals(m["accuracy@1"], 1);
  assertAlmostEquals(m["precision@3"], 2 / 3, 1e-15);
  assertAlmostEquals(m["recall@3"], 1, 1e-15);
  assertAlmostEquals(m["mrr@10"], 1, 1e-15);
  assertAlmostEquals(m["ndcg@3"], (1 + 1 / 2) / (1 + 1 / Math.log2(3)), 1e-15);
  assertAlmostEquals(m["map@1"], 1, 1e-15);
  assertAlmostEquals(m["map@10"], (1 + 2 / 3) / 2, 1e-15);
});

Deno.test("ir metrics: top-k keeps the lower index first on ties", () => {
  const r = topKRows([0.5, 0.9, 0.5, 0.9, 0.1], 1, 5, 4);
  assertEquals([...r[0]], [1, 3, 0, 2]);
  assertThrows(() => topKRows([NaN], 1, 1, 1), RangeError, "NaN");
});

Deno.test("tfidf: tokenizer follows sklearn's (?u)\\b\\w\\w+\\b on lower-cased text", () => {
  assertEquals(tokenize("A boundary-layer flow, at Mach 2.5; x_y é Ünïcode"), [
    "boundary",
    "layer",
    "flow",
    "at",
    "mach",
    "x_y",
    "ünïcode",
  ]);
});

Deno.test(
  needsShared(`ir metrics: Cranfield + TF-IDF vs Python (sklearn ${G.sklearn}) to 1e-6`),
  async () => {
    const g = G.cranfield_tfidf;
    const col = await readCranfield(shared("cranfield"));
    assertEquals([col.docs.length, col.queries.length], [g.docs, g.queries]);
    const docIndex = new Map(col.docs.map((d, i) => [d.id, i]));
    const relevant = col.queries.map((q) =>
      [...(col.qrels.get(q.id)?.keys() ?? [])].map((d) => docIndex.get(d)!)
    );
    assertEquals(relevant.reduce((a, r) => a + r.length, 0), g.judged_pairs);
    const model = TfidfModel.fit(col.docs.map((d) => d.text));
    assertEquals(model.vocabulary.size, g.vocabulary);
    const S = sparseCosineScores(
      model.transform(col.queries.map((q) => q.text)),
      model.transform(col.docs.map((d) => d.text)),
    );
    for (const [q, d, s] of g.spot_scores) {
      assertAlmostEquals(
        S[q * g.docs + d],
        s,
        1e-12,
        `score(${q}, ${d})`,
      );
    }
    // Same tie rule as the generator: round to 1e-10, lower index first.
    const R = S.map((s) => Math.floor(s * 1e10 + 0.5) / 1e10);
    assertEquals([...topKRows(R, g.queries, g.docs, 5)[0]], g.top5_query1);
    assertMetrics(irMetricsFromScores(R, g.queries, g.docs, relevant), g.metrics, 1e-6, "cranfield");
  },
);

Deno.test("ir metrics: several Matryoshka dims in one call vs Python", () => {
  const g = G.matryoshka;
  const res = evaluateEmbeddingRetrieval(fromRows(g.queries), fromRows(g.corpus), g.relevant, g.dims);
  assertEquals([...res.keys()], g.dims);
  for (const d of g.dims) assertMetrics(res.get(d)!, g.metrics[String(d)], 1e-9, `dim ${d}`);
  assert(res.get(4)!["ndcg@10"] !== res.get(16)!["ndcg@10"]);
  assertThrows(
    () => evaluateEmbeddingRetrieval(fromRows(g.queries), fromRows(g.corpus), g.relevant, [17]),
    RangeError,
    "dim",
  );
});

Deno.test("ir-metrics plugin through the registry (embeddings with dims, rankings)", async () => {
  const g = G.matryoshka;
  const m = await registry.create("scorer", "ir-metrics", { dims: [16, 8] }) as Metric;
  const out = m.compute({ queries: fromRows(g.queries), corpus: fromRows(g.corpus), relevant: g.relevant });
  assertAlmostEquals(out["dim_8_ndcg@10"], g.metrics["8"]["ndcg@10"], 1e-9);
  assertAlmostEquals(out["dim_16_map@100"], g.metrics["16"]["map@100"], 1e-9);
  const full = await registry.create("scorer", "ir-metrics", {}) as Metric;
  assertAlmostEquals(
    full.compute({
      queries: fromRows(g.queries),
      corpus: fromRows(g.corpus),
      relevant: g.relevant,
    })["mrr@10"],
    g.metrics["16"]["mrr@10"],
    1e-9,
  );
  const r = await registry.create("scorer", "ir-metrics", { mapAtK: [2] }) as Metric;
  assertEquals(r.compute({ rankings: [[0, 1]], relevant: [[1]] })["map@2"], 0.5);
  await assertRejects(() => registry.create("scorer", "ir-metrics", { ndcgAtK: [0] }), Error, "ndcgAtK");
  assertThrows(() => full.compute({ rankings: [[0]] }), Error, "relevant");
});
