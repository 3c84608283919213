/**
 * A tiny BERT-like text model built with embedkit's ONNX writer, plus a generated WordPiece
 * tokenizer.json, laid out as a transformers.js model folder (config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model.onnx). Also a plain-JS forward pass of the same network: the
 * oracle the text-backbone test compares against.
 * @module
 */
import { f, Graph } from "../core/onnx/writer.ts";
import { Rng } from "../core/random.ts";
import { wordPieceTokenizerJson } from "../core/text/wordpiece.ts";

/** Vocabulary: specials, then words and ## pieces. */
export const VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "the",
  "cat",
  "dog",
  "sat",
  "on",
  "mat",
  "speak",
  "##er",
  "##ing",
  "a",
  "voice",
  ".",
];
export const H = 8;
const L_MAX = 32;

interface Weights {
  wordEmb: Float32Array; // [V, H]
  posEmb: Float32Array; // [L_MAX, H]
  lnG: Float32Array;
  lnB: Float32Array;
  wq: Float32Array; // [H, H] (x @ W)
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
}

function weights(seed: number): Weights {
  const r = new Rng(seed);
  const t = (n: number, s = 0.5) => Float32Array.from({ length: n }, () => r.normal() * s);
  return {
    wordEmb: t(VOCAB.length * H),
    posEmb: t(L_MAX * H, 0.1),
    lnG: Float32Array.from({ length: H }, () => 1 + 0.1 * r.normal()),
    lnB: t(H, 0.1),
    wq: t(H * H, 0.4),
    wk: t(H * H, 0.4),
    wv: t(H * H, 0.4),
    wo: t(H * H, 0.4),
  };
}

/** ONNX: embeddings + LayerNorm + one masked single-head self-attention layer with a residual. */
export function buildTinyBert(seed = 5): Uint8Array {
  const w = weights(seed);
  const g = new Graph("tiny-bert");
  const ids = g.input("input_ids", ["batch", "seq"], "int64");
  const mask = g.input("attention_mask", ["batch", "seq"], "int64");
  const we = g.init("word_emb", [VOCAB.length, H], w.wordEmb);
  const pe = g.init("pos_emb", [L_MAX, H], w.posEmb);
  const seqLen = g.op("Gather", [g.op("Shape", [ids]), g.i64([1])], { axis: 0 });
  const pos = g.op("Slice", [pe, g.i64([0]), seqLen, g.i64([0])]);
  let x = g.op("Add", [g.op("Gather", [we, ids], { axis: 0 }), pos]);
  x = g.op("LayerNormalization", [x, g.init("ln_g", [H], w.lnG), g.init("ln_b", [H], w.lnB)], {
    axis: -1,
    epsilon: f(1e-12),
  });
  const q = g.op("MatMul", [x, g.init("wq", [H, H], w.wq)]);
  const k = g.op("MatMul", [x, g.init("wk", [H, H], w.wk)]);
  const v = g.op("MatMul", [x, g.init("wv", [H, H], w.wv)]);
  let s = g.op("Div", [
    g.op("MatMul", [q, g.op("Transpose", [k], { perm: [0, 2, 1] })]),
    g.f32([Math.sqrt(H)]),
  ]);
  // additive mask: (1 - mask) * -10000 on the key axis
  const mf = g.op("Cast", [mask], { to: 1 });
  const bias = g.op("Mul", [g.op("Sub", [g.f32([1]), mf]), g.f32([-10000])]);
  s = g.op("Add", [s, g.op("Unsqueeze", [bias, g.i64([1])])]);
  const a = g.op("MatMul", [g.op("Softmax", [s], { axis: -1 }), v]);
  const out = g.op("Add", [x, g.op("MatMul", [a, g.init("wo", [H, H], w.wo)])]);
  g.output(out, "last_hidden_state", ["batch", "seq", H]);
  return g.encode();
}

/** Plain-JS forward pass of the same network for one unpadded sequence: [L][H]. */
export function tinyBertForward(tokenIds: number[], seed = 5): number[][] {
  const w = weights(seed);
  const x = tokenIds.map((id, p) => {
    const e = Array.from({ length: H }, (_, j) => w.wordEmb[id * H + j] + w.posEmb[p * H + j]);
    const mu = e.reduce((a, b) => a + b, 0) / H;
    const va = e.reduce((a, b) => a + (b - mu) ** 2, 0) / H;
    return e.map((v, j) => ((v - mu) / Math.sqrt(va + 1e-12)) * w.lnG[j] + w.lnB[j]);
  });
  const mm = (m: number[][], W: Float32Array) =>
    m.map((r) => Array.from({ length: H }, (_, j) => r.reduce((s, v, i) => s + v * W[i * H + j], 0)));
  const q = mm(x, w.wq), k = mm(x, w.wk), v = mm(x, w.wv);
  const att = q.map((qi) => {
    const sc = k.map((kj) => qi.reduce((s, a, t) => s + a * kj[t], 0) / Math.sqrt(H));
    const mx = Math.max(...sc);
    const e = sc.map((z) => Math.exp(z - mx));
    const z = e.reduce((a, b) => a + b, 0);
    return Array.from({ length: H }, (_, j) => e.reduce((s, p, t) => s + (p / z) * v[t][j], 0));
  });
  const o = mm(att, w.wo);
  return x.map((r, i) => r.map((val, j) => val + o[i][j]));
}

/** Writes a transformers.js model folder; returns its path. */
export async function writeTinyBertFolder(dir: string, seed = 5): Promise<string> {
  await Deno.mkdir(`${dir}/onnx`, { recursive: true });
  await Deno.writeFile(`${dir}/onnx/model.onnx`, buildTinyBert(seed));
  // the library's WordPiece tokenizer.json, with BERT's [CLS] A [SEP] (B [SEP]) template added
  const tokenizer = {
    ...wordPieceTokenizerJson(VOCAB, VOCAB.slice(0, 4)),
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, {
        SpecialToken: { id: "[SEP]", type_id: 0 },
      }],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] },
      },
    },
  };
  await Deno.writeTextFile(`${dir}/tokenizer.json`, JSON.stringify(tokenizer));
  await Deno.writeTextFile(
    `${dir}/tokenizer_config.json`,
    JSON.stringify({
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      model_max_length: L_MAX,
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      cls_token: "[CLS]",
      sep_token: "[SEP]",
    }),
  );
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({
      model_type: "bert",
      architectures: ["BertModel"],
      hidden_size: H,
      vocab_size: VOCAB.length,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      max_position_embeddings: L_MAX,
    }),
  );
  return dir;
}
