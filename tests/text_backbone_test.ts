/**
 * `text` backbone through the registry, on a tiny BERT-like model written with embedkit's ONNX writer
 * and a generated WordPiece tokenizer.json (tests/tiny_bert.ts). Oracle: hand-derived WordPiece ids and
 * a plain-JS forward pass of the same network, pooled and normalised by hand.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { maxAbsDiff, withTempDir } from "./helpers.ts";
import { tinyBertForward, VOCAB, writeTinyBertFolder } from "./tiny_bert.ts";
import { registry } from "../plugins/mod.ts";

const id = (t: string) => VOCAB.indexOf(t);
function expected(tokens: string[], pooling: "mean" | "cls", dim: number): number[] {
  const h = tinyBertForward(tokens.map(id));
  let v = pooling === "cls" ? h[0] : h[0].map((_, j) => h.reduce((s, r) => s + r[j], 0) / h.length);
  if (dim) v = v.slice(0, dim);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

Deno.test("text backbone: WordPiece + tiny BERT + mean/CLS pooling + Matryoshka truncation match a plain-JS oracle", async () => {
  await withTempDir(async (dir) => {
    const folder = await writeTinyBertFolder(`${dir}/tiny-bert`);
    const texts = [{ id: "a", text: "The cat sat on the mat." }, { id: "b", text: "a Speaking speaker" }];
    // hand-tokenised: lower-cased, punctuation split, WordPiece "speaking" -> speak ##ing
    const toks = [["[CLS]", "the", "cat", "sat", "on", "the", "mat", ".", "[SEP]"], [
      "[CLS]",
      "a",
      "speak",
      "##ing",
      "speak",
      "##er",
      "[SEP]",
    ]];
    for (const [pooling, dim] of [["mean", 0], ["cls", 0], ["mean", 4]] as const) {
      const b = await registry.create("backbone", "text", { model: folder, pooling, dim });
      const got = await b.embed(texts); // batch of 2 with padding: the mask must keep [PAD] out of the mean
      for (let i = 0; i < 2; i++) {
        const want = expected(toks[i], pooling, dim);
        assertEquals(got[i].length, dim || 8);
        assert(maxAbsDiff(got[i], want) < 1e-5, `${pooling}/${dim} text ${i}: ${maxAbsDiff(got[i], want)}`);
      }
      assertEquals(b.info().dim, dim || 8);
      await b.dispose?.();
    }
  });
});

Deno.test("text backbone: missing folder, remote off, dim too large are clear errors", async () => {
  await assertRejects(
    () => registry.create("backbone", "text", { model: "/nonexistent/bert" }),
    Error,
    "remote loading is off",
  );
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/empty`);
    await assertRejects(
      () => registry.create("backbone", "text", { model: `${dir}/empty` }),
      Error,
      "missing config.json, tokenizer.json",
    );
    const folder = await writeTinyBertFolder(`${dir}/tiny`);
    await assertRejects(
      () => registry.create("backbone", "text", { model: folder, dim: 9 }),
      Error,
      "exceeds the model's hidden size 8",
    );
  });
});
