/**
 * Text training (core/text): pairs reader, embedding-bag gradients, WordPiece tokenizer, the static
 * model + MNRL + Matryoshka against an independent PyTorch run (tests/golden/gen_text_static.py),
 * export to a transformers.js folder loaded by the `text` backbone, byte-identical resume, the
 * shipped model. Oracles: PyTorch, finite differences, transformers.js, hand-derived tokens.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { golden, maxAbsDiff, needsShared, shared, withTempDir } from "./helpers.ts";
import { registry } from "../plugins/mod.ts";
import { param, tensor } from "../core/autodiff/tensor.ts";
import { mul, sum } from "../core/autodiff/ops.ts";
import { gradCheck } from "../core/autodiff/gradcheck.ts";
import { embeddingBag, embeddingRows, packBags } from "../core/autodiff/embedding_bag.ts";
import { parsePairs, readPairs, type TextPair } from "../core/text/pairs.ts";
import { countWords, loadTokenizer, trainWordPiece, wordPieceTokenizerJson } from "../core/text/wordpiece.ts";
import { StaticEmbedding } from "../core/text/model.ts";
import { createTextTraining, linearWarmupDecay, type TextTrainConfig } from "../core/text/train.ts";
import { embedItems, formatCardTable, retrievalTable } from "../core/text/evaluate.ts";
import { synthPairs, TINY } from "./text_fixtures.ts";
import { fromRows } from "../core/matrix.ts";
import { AdamW } from "../core/nn/optim.ts";

/** A text training job on TINY's settings with `config` on top, through the registry, progress bars off. */
function tinyTraining(
  train: readonly TextPair[],
  dev: readonly TextPair[] | undefined,
  config: TextTrainConfig,
) {
  return createTextTraining({ train, dev, config: { ...TINY, ...config }, registry, progress: false });
}

Deno.test("pairs reader: .jsonl and .jsonl.gz; errors name file:line and the fix", async () => {
  await withTempDir(async (dir) => {
    const lines = [
      JSON.stringify({ anchor: "a1", positive: "p1", source: "s" }),
      "",
      JSON.stringify({ anchor: "a2", positive: "p2", negative: "n2" }),
    ].join("\n");
    await Deno.writeTextFile(`${dir}/x.jsonl`, lines);
    const gz = new Uint8Array(
      await new Response(new Blob([lines]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
    );
    await Deno.writeFile(`${dir}/x.jsonl.gz`, gz);
    for (const f of ["x.jsonl", "x.jsonl.gz"]) {
      const p = await readPairs(`${dir}/${f}`);
      assertEquals(p.length, 2);
      assertEquals(p[0], { anchor: "a1", positive: "p1", extra: { source: "s" } });
      assertEquals(p[1].negative, "n2");
    }
    await Deno.writeFile(`${dir}/bad.jsonl.gz`, gz.slice(0, 20));
    await assertRejects(() => readPairs(`${dir}/bad.jsonl.gz`), Error, "damaged gzip");
  });
  assertThrows(
    () => parsePairs('{"anchor": "a", "positive": "p"}\n{oops', "f.jsonl"),
    Error,
    "f.jsonl:2: not valid JSON",
  );
  assertThrows(
    () => parsePairs('{"anchor": "a", "text": "p"}', "f.jsonl"),
    Error,
    "f.jsonl:1: missing column 'positive'",
  );
  assertThrows(() => parsePairs('{"anchor": "a", "positive": 3}', "f.jsonl"), Error, "must be a string");
  assertThrows(() => parsePairs('{"anchor": " ", "positive": "p"}', "f.jsonl"), Error, "'anchor' is empty");
  assertThrows(() => parsePairs("\n\n", "empty.jsonl"), Error, "empty.jsonl: holds no pairs");
  assertThrows(() => parsePairs("[1]", "f.jsonl", {}), Error, "expected a JSON object");
  assertThrows(
    () => parsePairs('{"anchor": "a", "positive": "p"}', "f.jsonl", { requireNegative: true }),
    Error,
    "negative",
  );
});

Deno.test("embeddingBag / embeddingRows: values by hand and finite-difference gradients", () => {
  const w = param(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)), [4, 3]);
  const bags = packBags([[0, 2, 2], [], [3]]);
  const out = embeddingBag(w, bags);
  for (let j = 0; j < 3; j++) {
    assertAlmostEquals(out.data[j], (w.data[j] + 2 * w.data[6 + j]) / 3, 1e-6);
    assertEquals(out.data[3 + j], 0);
    assertAlmostEquals(out.data[6 + j], w.data[9 + j], 1e-7);
  }
  const coef = tensor(Float32Array.from({ length: 9 }, (_, i) => Math.cos(i)), [3, 3]);
  for (const mode of ["mean", "sum"] as const) {
    const r = gradCheck(() => sum(mul(embeddingBag(w, bags, mode), coef)), [w], { eps: 1e-2 });
    assert(r.maxRelError < 1e-3, `${mode}: ${JSON.stringify(r)}`);
  }
  const rows = gradCheck(() => sum(mul(embeddingRows(w, Int32Array.of(1, 1, 3)), coef)), [w]);
  assert(rows.maxRelError < 1e-3, JSON.stringify(rows));
  assertThrows(() => embeddingBag(w, packBags([[4]])), Error, "outside the table's 4 rows");
});

Deno.test("WordPiece: trained merges, greedy longest match, same ids in transformers.js", async () => {
  const counts = countWords(["speaking speakers speak", "Speaker spoke; SPEAKING!", "café café"]);
  assertEquals(counts.get("speaking"), 2); // lower-cased
  assertEquals(counts.get("cafe"), 2); // accents stripped (BertNormalizer)
  assertEquals(counts.get(";"), 1); // punctuation split (BertPreTokenizer)
  const vocab = trainWordPiece(counts, { vocabSize: 40, minFrequency: 2 });
  assertEquals(vocab.slice(0, 2), ["[PAD]", "[UNK]"]);
  assert(vocab.includes("speak") && vocab.includes("speaker"), vocab.join(" "));
  // WordPiece by hand: greedy longest match, "##" on continuations, [UNK] for a word that cannot be covered
  const greedy = (w: string) => {
    const out: string[] = [];
    for (let i = 0; i < w.length;) {
      let j = w.length;
      while (j > i && !vocab.includes((i ? "##" : "") + w.slice(i, j))) j--;
      if (j === i) return ["[UNK]"];
      out.push((i ? "##" : "") + w.slice(i, j));
      i = j;
    }
    return out;
  };
  const tok = loadTokenizer(wordPieceTokenizerJson(vocab));
  const toks = [...tok.encode("Speaking, zzz speakers")].map((i) => vocab[i]);
  assertEquals(toks, [...greedy("speaking"), ...greedy(","), "[UNK]", ...greedy("speakers")]); // "," was never seen: [UNK]
  assert(toks.length > 4, toks.join(" ")); // "speaking" and "speakers" are split into pieces
  const tf = await import("@huggingface/transformers");
  const t2 = new tf.PreTrainedTokenizer(wordPieceTokenizerJson(vocab), {
    tokenizer_class: "PreTrainedTokenizerFast",
  });
  const ids = t2.encode("Speakers speak, café!", { add_special_tokens: false });
  assertEquals(ids, [...tok.encode("Speakers speak, café!")]);
});

interface StaticGold {
  V: number;
  D: number;
  dims: number[];
  weights: number[];
  scale: number;
  lr: number;
  weightDecay: number;
  warmup: number;
  steps: number;
  init: number[];
  batches: { anchors: number[][]; positives: number[][]; negatives: number[][] }[];
  losses: number[];
  lossParts: number[][];
  grad0: number[];
  final: number[];
}

Deno.test("static model + MNRL + Matryoshka + AdamW + linear warm-up/decay: same losses as PyTorch", async () => {
  const G = golden<StaticGold>("text_static_mnrl.json");
  const model = new StaticEmbedding(G.V, G.D, Float32Array.from(G.init));
  const loss = await registry.create("loss", "matryoshka", {
    inner: "mnrl",
    innerOptions: { scale: G.scale },
    dims: G.dims,
    weights: G.weights,
  });
  const opt = new AdamW(model.parameters(), { lr: G.lr, weightDecay: G.weightDecay });
  const lr = linearWarmupDecay(G.lr, G.warmup, G.steps);
  G.batches.forEach((b, step) => {
    opt.lr = lr(step);
    opt.zeroGrad();
    const a = model.embedIds(b.anchors), p = model.embedIds(b.positives), n = model.embedIds(b.negatives);
    const l = loss.forward({ embeddings: a, positives: p, extra: { hardNegatives: n } });
    const rel = Math.abs(l.item() - G.losses[step]) / Math.abs(G.losses[step]);
    assert(rel < 1e-5, `step ${step}: loss ${l.item()} vs PyTorch ${G.losses[step]} (rel ${rel})`);
    l.backward();
    if (step === 0) {
      const e = maxAbsDiff(model.weight.grad!, G.grad0) / Math.max(...G.grad0.map(Math.abs));
      assert(e < 1e-5, `gradient of step 0: ${e} relative to the largest`);
    }
    opt.step();
  });
  const e = maxAbsDiff(model.weight.data, G.final);
  assert(e < 1e-5, `table after ${G.steps} steps: max abs diff ${e}`);
});

Deno.test("static model: exported folder loads in the text backbone with the training-time embeddings (1e-5)", async () => {
  const train = synthPairs(96, 1), dev = synthPairs(24, 2);
  const job = await tinyTraining(train, dev, { hardNegatives: "bm25", groupColumn: "source" });
  await job.trainer.fit();
  const hist = job.trainer.textHistory;
  assertEquals(hist.length, 2);
  assert(hist[1].dev!["32"]["ndcg@10"] > 0.5, formatCardTable({ last: hist[1].dev!["32"] }));
  await withTempDir(async (dir) => {
    await job.exportFolder(`${dir}/m`);
    const texts = [
      "audio codec pkg3",
      "a fast tool for developers: game engine",
      "",
      "unseen wørds ünïcode 42",
    ];
    const want = embedItems(job.model, await job.model.prepare(texts));
    const bb = await registry.create("backbone", "text", { model: `${dir}/m`, normalize: false });
    const got = await bb.embed(texts.map((text, i) => ({ id: `t${i}`, text })));
    for (let i = 0; i < texts.length; i++) {
      const d = maxAbsDiff(got[i], want.data.subarray(i * 32, (i + 1) * 32));
      assert(d < 1e-5, `text ${i}: exported vs training forward ${d}`);
    }
    await bb.dispose?.();
    const rec = JSON.parse(await Deno.readTextFile(`${dir}/m/embedkit.json`));
    assertEquals(rec.seed, 7);
    assertEquals(rec.history.length, 2);
  });
});

Deno.test("text training resumes from an epoch checkpoint byte-identically", async () => {
  const train = synthPairs(64, 3), dev = synthPairs(12, 4);
  const cfg: TextTrainConfig = { epochs: 3, hardNegatives: "bm25" };
  const full = await tinyTraining(train, dev, cfg);
  await full.trainer.fit();
  const part = await tinyTraining(train, dev, cfg);
  await part.trainer.fit(1);
  const ck = part.trainer.checkpoint();
  const resumed = await tinyTraining(train, dev, cfg);
  await resumed.trainer.resume(ck);
  await resumed.trainer.fit();
  const a = full.model.module.stateDict()["embedding.weight"].data;
  const b = resumed.model.module.stateDict()["embedding.weight"].data;
  assertEquals(new Uint8Array(a.buffer), new Uint8Array(b.buffer));
  assertEquals(
    JSON.stringify(resumed.trainer.textHistory.map((h) => h.dev)),
    JSON.stringify(full.trainer.textHistory.map((h) => h.dev)),
  );
});

Deno.test("text training: contrastive and triplet losses through the registry; class losses refused", async () => {
  const train = synthPairs(48, 5);
  for (const loss of ["contrastive", "triplet"]) {
    const job = await tinyTraining(train, undefined, { epochs: 1, loss, lossOptions: {} });
    const r = await job.trainer.fit();
    assert(Number.isFinite(r.history[0].trainLoss), loss);
  }
  await assertRejects(
    () => createTextTraining({ train, config: { ...TINY, loss: "aam-softmax", lossOptions: {} }, registry }),
    Error,
    "needs class labels",
  );
  await assertRejects(
    () => createTextTraining({ train, config: { ...TINY, batchSize: 1 }, registry }),
    Error,
    "batchSize",
  );
});

Deno.test(
  needsShared(
    "zoo embedkit-text-debian: loads in the text backbone, reproduces its dev table, beats BM25 at 256 dims",
  ),
  async () => {
    const folder = new URL("../core/zoo/models/embedkit-text-debian", import.meta.url).pathname;
    const rec = JSON.parse(await Deno.readTextFile(`${folder}/embedkit.json`));
    const dev = await readPairs(shared("debian-descriptions", "dev.jsonl.gz"));
    const bb = await registry.create("backbone", "text", { model: folder, batchSize: 256 });
    const q = await bb.embed(dev.map((p, i) => ({ id: `q${i}`, text: p.anchor })));
    const d = await bb.embed(dev.map((p, i) => ({ id: `d${i}`, text: p.positive })));
    await bb.dispose?.();
    const metric = await registry.create("metric", "ir-metrics", {});
    const table = retrievalTable(fromRows(q), fromRows(d), dev.map((_, i) => [i]), [256, 64], metric);
    const got = { "dim_256_ndcg@10": table["256"]["ndcg@10"] };
    const want = rec.history.at(-1).dev;
    assertAlmostEquals(got["dim_256_ndcg@10"], want["256"]["ndcg@10"], 1e-4);
    // at least BM25 as scikit-learn + numpy compute it on the same split (tests/golden/text_bm25.json); the
    // README's 0.7923 could not be reproduced from the data (see tests/golden/gen_text_bm25.py)
    const bm25 =
      golden<{ dev: Record<string, Record<string, number>> }>("text_bm25.json").dev.bm25["ndcg@10"];
    assert(
      got["dim_256_ndcg@10"] >= bm25,
      `dev NDCG@10 at 256 dims ${got["dim_256_ndcg@10"]} < BM25's ${bm25}`,
    );
  },
);

Deno.test("transformer encoder: finite-difference gradients; exported ONNX equals the training forward (1e-5)", async () => {
  const { TransformerEncoder } = await import("../core/text/transformer.ts");
  const enc = new TransformerEncoder(20, 8, 2, 16, 1, 12, 3);
  const seqs = [Int32Array.of(1, 5, 7), Int32Array.of(2), Int32Array.of(3, 3, 9, 11)];
  const coef = tensor(Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)), [3, 8]);
  const r = gradCheck(() => sum(mul(enc.embedIds(seqs), coef)), [
    enc.tokens,
    enc.positions,
    enc.blocks[0].q.weight,
    enc.blocks[0].ff1.weight,
  ], { eps: 1e-3, maxPerInput: 20 });
  assert(r.maxRelError < 2e-3, JSON.stringify(r)); // small eps: layer norm of 0.05-sized inputs curves fast
  const train = synthPairs(64, 8), dev = synthPairs(12, 9);
  const job = await tinyTraining(train, dev, {
    epochs: 1,
    lr: 1e-3,
    model: {
      kind: "transformer",
      vocabSize: 120,
      dim: 16,
      heads: 2,
      layers: 2,
      maxLength: 16,
      positions: 32,
    },
    lossOptions: { inner: "mnrl", dims: [16, 8] },
  });
  await job.trainer.fit();
  await withTempDir(async (dir) => {
    await job.exportFolder(`${dir}/t`);
    const texts = ["audio codec pkg3", "fast tool: game engine named pkg9", ""]; // within maxLength (16 tokens)
    const want = embedItems(job.model, await job.model.prepare(texts));
    const bb = await registry.create("backbone", "text", { model: `${dir}/t`, normalize: false });
    const got = await bb.embed(texts.map((text, i) => ({ id: `t${i}`, text }))); // padded batch of 3
    for (let i = 0; i < texts.length; i++) {
      const d = maxAbsDiff(got[i], want.data.subarray(i * 16, (i + 1) * 16));
      assert(d < 1e-5, `text ${i}: exported vs training forward ${d}`);
    }
    await bb.dispose?.();
  });
});

Deno.test("adapter head on frozen tfidf-text: trains with Matryoshka MNRL; head.onnx equals its forward", async () => {
  const train = synthPairs(96, 10), dev = synthPairs(24, 11);
  const job = await tinyTraining(train, dev, {
    epochs: 2,
    lr: 1e-2,
    model: {
      kind: "adapter",
      backbone: "tfidf-text",
      backboneOptions: { dim: 256, hashing: true },
      dim: 32,
      hidden: 64,
    },
  });
  await job.trainer.fit();
  const ndcg = job.trainer.textHistory.at(-1)!.dev!["32"]["ndcg@10"];
  assert(ndcg > 0.5, `adapter dev ndcg@10 ${ndcg}`);
  await withTempDir(async (dir) => {
    await job.exportFolder(`${dir}/a`);
    const items = await job.model.prepare(["audio codec pkg1", "kernel module pkg4"]);
    const want = embedItems(job.model, items);
    const { loadOnnx } = await import("../core/onnx/runtime.ts");
    const m = await loadOnnx(await Deno.readFile(`${dir}/a/head.onnx`), { ep: "wasm" });
    const x = new Float32Array(2 * 256);
    items.forEach((v, i) => x.set(v as Float32Array, i * 256));
    const got = (await m.run({ embedding: { dims: [2, 256], data: x } })).sentence_embedding;
    await m.dispose();
    assert(maxAbsDiff(got.data, want.data) < 1e-5, `head.onnx vs forward ${maxAbsDiff(got.data, want.data)}`);
  });
});
