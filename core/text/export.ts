/**
 * Model folders the `text` backbone (transformers.js) loads: `config.json` (model_type "bert", so
 * transformers.js picks its encoder-only path; `hidden_size` = output dimension),
 * `tokenizer.json` + `tokenizer_config.json`, `onnx/model.onnx` (inputs input_ids and attention_mask
 * [batch, tokens] int64; output `last_hidden_state` [batch, tokens, dim], which the backbone mean-pools
 * over the attention mask, and `sentence_embedding` [batch, dim], the same pooling done in the graph),
 * and `embedkit.json` (training config, seeds, per-epoch table). Files are written atomically.
 * @module
 */
import { writeFileAtomic } from "../atomic.ts";
import { join } from "../paths.ts";
import type { Graph } from "../onnx/writer.ts";
import { tokenizerConfigJson } from "./wordpiece.ts";

/** What {@link writeModelFolder} writes. */
export interface ModelFolder {
  /** The ONNX graph, its outputs declared. */
  readonly graph: Graph;
  readonly tokenizer: Record<string, unknown>;
  /** Output dimension. */
  readonly dim: number;
  /** Longest input in tokens (tokenizer model_max_length). */
  readonly maxLength: number;
  /** Extra config.json fields (architecture facts). */
  readonly config: Record<string, unknown>;
  /** Training record: config, seed, history. */
  readonly record: Record<string, unknown>;
}

/** Adds masked mean pooling of `hidden` [B, L, D] as output `sentence_embedding` and declares both outputs. */
export function poolAndDeclare(g: Graph, hidden: string, mask: string, dim: number): void {
  const m = g.op("Unsqueeze", [g.op("Cast", [mask], { to: 1 }), g.i64([2])]); // [B, L, 1]
  const sum = g.op("ReduceSum", [g.op("Mul", [hidden, m]), g.i64([1])], { keepdims: 0 });
  const n = g.op("Max", [g.op("ReduceSum", [m, g.i64([1])], { keepdims: 0 }), g.f32([1])]);
  g.output(hidden, "last_hidden_state", ["batch", "tokens", dim]);
  g.output(g.op("Div", [sum, n]), "sentence_embedding", ["batch", dim]);
}

const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x, null, 1) + "\n");

/** Writes the folder. */
export async function writeModelFolder(dir: string, f: ModelFolder): Promise<void> {
  await Deno.mkdir(join(dir, "onnx"), { recursive: true });
  const onnx = f.graph.encode({
    producer: "embedkit",
    docString: "embedkit text embedding model",
    metadata: { embedkit_kind: String(f.config.embedkit_architecture ?? "text"), dim: f.dim },
  });
  await writeFileAtomic(join(dir, "onnx", "model.onnx"), onnx);
  await writeFileAtomic(join(dir, "tokenizer.json"), json(f.tokenizer));
  await writeFileAtomic(join(dir, "tokenizer_config.json"), json(tokenizerConfigJson(f.maxLength)));
  await writeFileAtomic(
    join(dir, "config.json"),
    json({
      model_type: "bert",
      hidden_size: f.dim,
      vocab_size: Object.keys((f.tokenizer.model as { vocab: object }).vocab).length,
      max_position_embeddings: f.maxLength,
      pooling: "mean",
      ...f.config,
    }),
  );
  await writeFileAtomic(join(dir, "embedkit.json"), json(f.record));
}
