/**
 * BM25 (core/retrieval/bm25.ts, `bm25` and `hybrid-rrf` backbones). Oracles: an independent numpy BM25
 * over scikit-learn's CountVectorizer tokens (tests/golden/gen_text_bm25.py -> text_bm25.json), card
 * metrics on the Debian dev pairs computed by the same script, and reciprocal-rank fusion by hand.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { golden, needsShared, shared } from "./helpers.ts";
import { registry } from "../plugins/mod.ts";
import { Bm25Index } from "../core/retrieval/bm25.ts";
import { reciprocalRankFusion } from "../core/retrieval/fusion.ts";
import { pairsAsRetrieval, readPairs } from "../core/text/pairs.ts";

interface Gold {
  tiny: { corpus: string[]; queries: string[]; scores: number[][] };
  dev?: Record<string, Record<string, number>>;
}
const G = golden<Gold>("text_bm25.json");
const inputs = (xs: string[], p: string) => xs.map((text, i) => ({ id: `${p}${i}`, text }));

Deno.test("bm25: scores equal an independent numpy BM25 (Lucene idf, k1 1.2, b 0.75) on a tiny corpus", () => {
  const ix = Bm25Index.fit(G.tiny.corpus);
  const buf = new Float64Array(G.tiny.corpus.length);
  let worst = 0;
  G.tiny.queries.forEach((q, i) => {
    ix.scoreInto(q, buf);
    G.tiny.scores[i].forEach((want, j) => (worst = Math.max(worst, Math.abs(buf[j] - want))));
  });
  assert(worst < 1e-12, `max abs error ${worst}`);
  // the empty (1-character tokens only) document scores 0 for every query
  assert(G.tiny.scores.every((row) => row[6] === 0));
});

Deno.test("bm25 backbone through the registry: rank() orders by the golden scores; embed() explains", async () => {
  const bb = await registry.create("backbone", "bm25", {});
  const r = await bb.rank!(inputs(G.tiny.queries, "q"), inputs(G.tiny.corpus, "d"), 3);
  r.forEach((hit, i) => {
    const want = G.tiny.scores[i].map((s, j) => [s, j]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(
      0,
      3,
    );
    assertEquals([...hit.indices], want.map((w) => w[1]));
    hit.scores.forEach((s, j) => assertAlmostEquals(s, want[j][0], 1e-5));
  });
  await assertRejects(() => bb.embed(inputs(["x"], "t")), Error, "lexical retriever without dense vectors");
  await assertRejects(() => registry.create("backbone", "bm25", { b: 2 }), Error, "b");
});

Deno.test("reciprocal-rank fusion: Cormack et al.'s 1/(c + rank) sums, by hand", () => {
  const a = [{ indices: Int32Array.of(2, 0, 1), scores: new Float32Array(3) }];
  const b = [{ indices: Int32Array.of(0, 3), scores: new Float32Array(2) }];
  const [f] = reciprocalRankFusion([a, b], { c: 60 });
  // doc 0: 1/62 + 1/61; doc 2: 1/61; doc 3: 1/62; doc 1: 1/63
  assertEquals([...f.indices], [0, 2, 3]);
  assertAlmostEquals(f.scores[0], 1 / 62 + 1 / 61, 1e-7);
  const [w] = reciprocalRankFusion([a, b], { c: 1, weights: [3, 1], k: 4 });
  // doc 2: 3/2; doc 0: 3/3 + 1/2; doc 1: 3/4; doc 3: 1/3 -> ties 2 vs 0 (both 1.5): lower row first
  assertEquals([...w.indices], [0, 2, 1, 3]);
});

Deno.test("hybrid-rrf through the registry: fuses bm25 with tfidf-text", async () => {
  const hy = await registry.create("backbone", "hybrid-rrf", {
    dense: "tfidf-text",
    denseOptions: { dim: 64 },
  });
  const q = inputs(G.tiny.queries, "q"), d = inputs(G.tiny.corpus, "d");
  const fused = await hy.rank!(q, d, 4);
  const lex = await (await registry.create("backbone", "bm25", {})).rank!(q, d, 100);
  assertEquals(fused.length, 4);
  // "json json parser library": both systems put doc 4 (two "json") or 3 first; the fused top is one of them
  assert([3, 4].includes(fused[1].indices[0]), `fused top ${fused[1].indices[0]}`);
  assertEquals(lex[0].indices[0], fused[0].indices[0]);
  await assertRejects(
    () => registry.create("backbone", "hybrid-rrf", { dense: "bm25" }),
    Error,
    "dense text",
  );
});

Deno.test(
  needsShared("bm25 backbone on Debian dev: every card metric equals scikit-learn + numpy (1e-4)"),
  async () => {
    const pairs = await readPairs(shared("debian-descriptions", "dev.jsonl.gz"));
    const task = pairsAsRetrieval(pairs);
    const bb = await registry.create("backbone", "bm25", {});
    const r = await bb.rank!(inputs(task.queries, "q"), inputs(task.corpus, "d"), 100);
    const metric = await registry.create("metric", "ir-metrics", {});
    const got = metric.compute({ rankings: r.map((x) => x.indices), relevant: task.relevant });
    const want = G.dev!.bm25;
    for (const [k, v] of Object.entries(want)) {
      assert(Math.abs(got[k] - v) < 1e-4, `${k}: ${got[k]} vs scikit-learn ${v}`);
    }
    console.log(
      `bm25 dev: ndcg@10 ${got["ndcg@10"].toFixed(4)} map@100 ${got["map@100"].toFixed(4)} acc@1 ${
        got["accuracy@1"].toFixed(4)
      }`,
    );
  },
);
