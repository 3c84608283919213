/**
 * A small transformer text encoder trained from scratch: WordPiece tokens (core/text/wordpiece.ts),
 * token + learned position embeddings, `layers` pre-LN blocks (x + MHSA(LN(x)) with padded keys
 * masked by a -1e9 bias, then x + W2·relu(W1·LN(x))), a final LayerNorm, masked mean pooling
 * (Vaswani et al. 2017; pre-LN as Xiong et al. 2020). The ONNX export is the same graph
 * (LayerNormalization, MatMul, Softmax; opset 17), so the `text` backbone gets the training forward.
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { tensor } from "../autodiff/tensor.ts";
import { add, bmm, mul, permute, relu, reshape, scale, softmax, sum } from "../autodiff/ops.ts";
import { embeddingRows } from "../autodiff/embedding_bag.ts";
import { Module, normalInit } from "../nn/module.ts";
import { LayerNorm, Linear } from "../nn/layers.ts";
import { StatefulRng } from "../nn/rng.ts";
import { f, Graph } from "../onnx/writer.ts";
import { poolAndDeclare, writeModelFolder } from "./export.ts";
import type { TrainableTextModel } from "./model.ts";
import { countWords, loadTokenizer, trainWordPiece, wordPieceTokenizerJson } from "./wordpiece.ts";

/** Options of the transformer encoder. */
export interface TransformerModelConfig {
  readonly kind: "transformer";
  /** Width (default 128). */
  readonly dim?: number;
  /** Blocks (default 2). */
  readonly layers?: number;
  /** Attention heads (default 4). */
  readonly heads?: number;
  /** Feed-forward width (default 2 x dim). */
  readonly ffn?: number;
  /** Training cuts texts to this many tokens (default 64). */
  readonly maxLength?: number;
  /** Rows of the position table: the longest input the exported model takes (default 512, the `text` backbone's default). */
  readonly positions?: number;
  /** WordPiece vocabulary (default 8000). */
  readonly vocabSize?: number;
}

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly ln2: LayerNorm;
  readonly ff1: Linear;
  readonly ff2: Linear;
  constructor(readonly dim: number, readonly heads: number, ffn: number, rng: StatefulRng) {
    super();
    this.ln1 = this.addModule("ln1", new LayerNorm(dim));
    this.q = this.addModule("q", new Linear(dim, dim, { rng }));
    this.k = this.addModule("k", new Linear(dim, dim, { rng }));
    this.v = this.addModule("v", new Linear(dim, dim, { rng }));
    this.o = this.addModule("o", new Linear(dim, dim, { rng }));
    this.ln2 = this.addModule("ln2", new LayerNorm(dim));
    this.ff1 = this.addModule("ff1", new Linear(dim, ffn, { rng }));
    this.ff2 = this.addModule("ff2", new Linear(ffn, dim, { rng }));
  }
  /** x [B, L, D]; bias [B·H, 1, L] (0 for tokens, -1e9 for padding). */
  run(x: Tensor, bias: Tensor): Tensor {
    const [B, L, D] = x.shape, H = this.heads, dh = D / H;
    const h = this.ln1.forward(x);
    const split = (t: Tensor) => reshape(permute(reshape(t, [B, L, H, dh]), [0, 2, 1, 3]), [B * H, L, dh]);
    const att = softmax(
      add(scale(bmm(split(this.q.forward(h)), split(this.k.forward(h)), true), 1 / Math.sqrt(dh)), bias),
    );
    const ctx = reshape(permute(reshape(bmm(att, split(this.v.forward(h))), [B, H, L, dh]), [0, 2, 1, 3]), [
      B,
      L,
      D,
    ]);
    const y = add(x, this.o.forward(ctx));
    return add(y, this.ff2.forward(relu(this.ff1.forward(this.ln2.forward(y)))));
  }
  forward(): Tensor {
    throw new Error("Block.run(x, bias)");
  }
}

/** The encoder's parameters and its training-time forward. */
export class TransformerEncoder extends Module {
  readonly tokens: Tensor;
  readonly positions: Tensor;
  readonly blocks: Block[];
  readonly lnf: LayerNorm;
  constructor(
    readonly vocab: number,
    readonly dim: number,
    readonly heads: number,
    readonly ffn: number,
    layers: number,
    readonly maxLength: number,
    seed: number,
  ) {
    super();
    if (dim % heads) throw new RangeError(`transformer: dim ${dim} is not divisible by ${heads} heads`);
    const rng = new StatefulRng(seed);
    this.tokens = this.addParam("embeddings.tokens", normalInit(vocab * dim, 0.02 * Math.sqrt(dim), rng), [
      vocab,
      dim,
    ]);
    this.positions = this.addParam("embeddings.positions", normalInit(maxLength * dim, 0.02, rng), [
      maxLength,
      dim,
    ]);
    this.blocks = Array.from(
      { length: layers },
      (_, i) => this.addModule(`layers.${i}`, new Block(dim, heads, ffn, rng)),
    );
    this.lnf = this.addModule("ln_f", new LayerNorm(dim));
  }
  /** Masked mean of the final hidden states of each id sequence: [B, dim]. */
  embedIds(seqs: readonly Int32Array[]): Tensor {
    const B = seqs.length, D = this.dim, H = this.heads;
    const L = Math.max(1, ...seqs.map((s) => s.length));
    const ids = new Int32Array(B * L), pos = new Int32Array(B * L), mask = new Float32Array(B * L);
    const bias = new Float32Array(B * H * L), count = new Float32Array(B);
    seqs.forEach((s, b) => {
      for (let t = 0; t < L; t++) {
        pos[b * L + t] = t;
        if (t < s.length) {
          ids[b * L + t] = s[t];
          mask[b * L + t] = 1;
        } else for (let h = 0; h < H; h++) bias[(b * H + h) * L + t] = -1e9;
      }
      count[b] = 1 / Math.max(1, s.length);
    });
    let x = reshape(add(embeddingRows(this.tokens, ids), embeddingRows(this.positions, pos)), [B, L, D]);
    const biasT = tensor(bias, [B * H, 1, L]);
    for (const blk of this.blocks) x = blk.run(x, biasT);
    x = this.lnf.forward(x);
    const pooled = sum(mul(x, tensor(mask, [B, L, 1])), 1);
    return mul(pooled, tensor(count, [B, 1]));
  }
  forward(): Tensor {
    throw new Error("TransformerEncoder embeds token ids: call embedIds(seqs)");
  }
}

/** x·Wᵀ + b in ONNX from a Linear's weights ([out, in] stored transposed for MatMul). */
function onnxLinear(g: Graph, name: string, lin: Linear, x: string): string {
  const [O, I] = lin.weight.shape, wt = new Float32Array(I * O);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) wt[i * O + o] = lin.weight.data[o * I + i];
  return g.op("Add", [
    g.op("MatMul", [x, g.init(`${name}.weight_t`, [I, O], wt)]),
    g.init(`${name}.bias`, [O], Float32Array.from(lin.bias!.data)),
  ]);
}
function onnxLayerNorm(g: Graph, name: string, ln: LayerNorm, x: string): string {
  const w = g.init(`${name}.weight`, [ln.dim], Float32Array.from(ln.weight.data));
  const b = g.init(`${name}.bias`, [ln.dim], Float32Array.from(ln.bias.data));
  return g.op("LayerNormalization", [x, w, b], { axis: -1, epsilon: f(ln.eps) });
}

/** The encoder as an ONNX graph with input_ids/attention_mask in and pooled outputs. */
export function transformerGraph(m: TransformerEncoder): Graph {
  const g = new Graph("embedkit-transformer-encoder");
  const ids = g.input("input_ids", ["batch", "tokens"], "int64");
  const mask = g.input("attention_mask", ["batch", "tokens"], "int64");
  const H = m.heads, D = m.dim, dh = D / H;
  const L = g.op("Gather", [g.op("Shape", [ids]), g.i64([1])], { axis: 0 });
  const posRows = g.op("Slice", [
    g.init("embeddings.positions", [m.maxLength, D], Float32Array.from(m.positions.data)),
    g.i64([0]),
    L,
    g.i64([0]),
  ]);
  let x = g.op("Add", [
    g.op("Gather", [g.init("embeddings.tokens", [m.vocab, D], Float32Array.from(m.tokens.data)), ids], {
      axis: 0,
    }),
    posRows,
  ]);
  // [B, 1, 1, L] additive mask: 0 for tokens, -1e9 for padding
  const fm = g.op("Cast", [mask], { to: 1 });
  const bias = g.op("Unsqueeze", [
    g.op("Mul", [g.op("Sub", [g.f32([1]), fm]), g.f32([-1e9])]),
    g.i64([1, 2]),
  ]);
  const split = (t: string) =>
    g.op("Transpose", [g.op("Reshape", [t, g.i64([0, 0, H, dh])])], { perm: [0, 2, 1, 3] });
  m.blocks.forEach((b, i) => {
    const p = `layers.${i}`;
    const h = onnxLayerNorm(g, `${p}.ln1`, b.ln1, x);
    const q = split(onnxLinear(g, `${p}.q`, b.q, h)), k = split(onnxLinear(g, `${p}.k`, b.k, h));
    const v = split(onnxLinear(g, `${p}.v`, b.v, h));
    const s = g.op("Add", [
      g.op("Mul", [
        g.op("MatMul", [q, g.op("Transpose", [k], { perm: [0, 1, 3, 2] })]),
        g.f32([1 / Math.sqrt(dh)]),
      ]),
      bias,
    ]);
    const ctx = g.op("Reshape", [
      g.op("Transpose", [g.op("MatMul", [g.op("Softmax", [s], { axis: -1 }), v])], { perm: [0, 2, 1, 3] }),
      g.i64([0, 0, D]),
    ]);
    x = g.op("Add", [x, onnxLinear(g, `${p}.o`, b.o, ctx)]);
    const ff = onnxLinear(
      g,
      `${p}.ff2`,
      b.ff2,
      g.op("Relu", [onnxLinear(g, `${p}.ff1`, b.ff1, onnxLayerNorm(g, `${p}.ln2`, b.ln2, x))]),
    );
    x = g.op("Add", [x, ff]);
  });
  poolAndDeclare(g, onnxLayerNorm(g, "ln_f", m.lnf, x), mask, D);
  return g;
}

/** Builds the transformer model: trains the tokenizer on `trainTexts`, initialises weights with `seed`. */
export function createTransformerModel(
  c: TransformerModelConfig,
  trainTexts: readonly string[],
  seed: number,
): TrainableTextModel<Int32Array> {
  const dim = c.dim ?? 128, layers = c.layers ?? 2, heads = c.heads ?? 4, ffn = c.ffn ?? 2 * dim;
  const maxLength = c.maxLength ?? 64;
  const tokJson = wordPieceTokenizerJson(
    trainWordPiece(countWords(trainTexts), { vocabSize: c.vocabSize ?? 8000 }),
  );
  const tokenizer = loadTokenizer(tokJson);
  const positions = Math.max(c.positions ?? 512, maxLength);
  const module = new TransformerEncoder(tokenizer.vocabSize, dim, heads, ffn, layers, positions, seed);
  const describe = () => ({
    architecture: "transformer-encoder",
    vocabSize: tokenizer.vocabSize,
    dim,
    layers,
    heads,
    ffn,
    maxLength,
    positions,
    pooling: "mean",
  });
  return {
    kind: "transformer",
    dim,
    module,
    tokenizer,
    prepare: (texts) => Promise.resolve(texts.map((t) => tokenizer.encode(t, maxLength))),
    forward: (items) => module.embedIds(items),
    describe,
    exportFolder: (dir, record) =>
      writeModelFolder(dir, {
        graph: transformerGraph(module),
        tokenizer: tokJson,
        dim,
        maxLength: positions,
        config: { embedkit_architecture: "transformer-encoder", ...describe() },
        record,
      }),
  };
}
