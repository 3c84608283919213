/**
 * An adapter head on the frozen embeddings of any text backbone (the `text` plugin with a pretrained
 * model folder, `tfidf-text`, ...): linear, or an MLP (Linear -> ReLU -> Linear) with a linear skip,
 * trained with the Matryoshka loss so its output dims are ordered (the first 64 carry the most).
 * The backbone comes from the registry; each text is embedded once (`prepare`) and cached.
 *
 * Export: the head as ONNX `head.onnx` (input `embedding` [batch, in], output `sentence_embedding`
 * [batch, dim]) in the folder, next to a copy of the base model folder when the base is the `text`
 * plugin (its `model` option), and `adapter.json` naming both. The `text` backbone applies the head
 * when it finds `adapter.json` (phase 2: a small change in plugins/backbones/text.ts).
 * @module
 */
import { type Tensor, tensor } from "../autodiff/tensor.ts";
import { add, relu } from "../autodiff/ops.ts";
import { Module } from "../nn/module.ts";
import { Linear } from "../nn/layers.ts";
import { StatefulRng } from "../nn/rng.ts";
import { Graph } from "../onnx/writer.ts";
import { linear as onnxLinear, WeightSource } from "../onnx/layers.ts";
import type { Registry } from "../registry.ts";
import { writeFileAtomic } from "../atomic.ts";
import { join } from "../paths.ts";
import type { TrainableTextModel } from "./model.ts";

/** Options of the adapter head. */
export interface AdapterModelConfig {
  readonly kind: "adapter";
  /** Registry name of the frozen text backbone (default "tfidf-text"). */
  readonly backbone?: string;
  /** Its options. */
  readonly backboneOptions?: Record<string, unknown>;
  /** Output dimension (default 384). */
  readonly dim?: number;
  /** Hidden width of the MLP; 0 = a linear head (default 0). */
  readonly hidden?: number;
}

/** The head: y = W x (+ W2 relu(W1 x) with an MLP). */
export class AdapterHead extends Module {
  readonly proj: Linear;
  readonly fc1?: Linear;
  readonly fc2?: Linear;
  constructor(readonly inDim: number, readonly dim: number, readonly hidden: number, seed: number) {
    super();
    const rng = new StatefulRng(seed);
    this.proj = this.addModule("proj", new Linear(inDim, dim, { rng }));
    if (hidden > 0) {
      this.fc1 = this.addModule("fc1", new Linear(inDim, hidden, { rng }));
      this.fc2 = this.addModule("fc2", new Linear(hidden, dim, { rng }));
    }
  }
  forward(x: Tensor): Tensor {
    const y = this.proj.forward(x);
    return this.fc1 ? add(y, this.fc2!.forward(relu(this.fc1.forward(x)))) : y;
  }
}

/** Builds the adapter: creates the frozen backbone through `registry`. */
export async function createAdapterModel(
  c: AdapterModelConfig,
  registry: Registry,
  seed: number,
): Promise<TrainableTextModel<Float32Array>> {
  const name = c.backbone ?? "tfidf-text", opts = c.backboneOptions ?? {};
  const base = await registry.create("backbone", name, opts);
  if (base.modality !== "text") {
    throw new RangeError(`adapter: backbone '${name}' embeds ${base.modality}, not text`);
  }
  const dim = c.dim ?? 384, hidden = c.hidden ?? 0;
  const module = new AdapterHead(base.dim, dim, hidden, seed);
  const cache = new Map<string, Float32Array>();
  const describe = () => ({
    architecture: "adapter-head",
    base: name,
    baseOptions: opts,
    inDim: base.dim,
    dim,
    hidden,
  });
  return {
    kind: "adapter",
    dim,
    module,
    async prepare(texts) {
      const todo = [...new Set(texts.filter((t) => !cache.has(t)))];
      const emb = await base.embed(todo.map((text, i) => ({ id: `text ${i}`, text })));
      todo.forEach((t, i) => cache.set(t, emb[i]));
      return texts.map((t) => cache.get(t)!);
    },
    forward(items) {
      const x = new Float32Array(items.length * base.dim);
      items.forEach((v, i) => x.set(v, i * base.dim));
      return module.forward(tensor(x, [items.length, base.dim]));
    },
    describe,
    async exportFolder(dir, record) {
      const g = new Graph("embedkit-adapter-head");
      const x = g.input("embedding", ["batch", base.dim]);
      const w = new WeightSource(undefined, module.stateDict());
      let y = onnxLinear(g, w, "proj", x, base.dim, dim);
      if (hidden > 0) {
        const h = g.op("Relu", [onnxLinear(g, w, "fc1", x, base.dim, hidden)]);
        y = g.op("Add", [y, onnxLinear(g, w, "fc2", h, hidden, dim)]);
      }
      g.output(y, "sentence_embedding", ["batch", dim]);
      await Deno.mkdir(dir, { recursive: true });
      await writeFileAtomic(
        join(dir, "head.onnx"),
        g.encode({ producer: "embedkit", metadata: { embedkit_kind: "adapter-head" } }),
      );
      let baseFolder: string | null = null;
      if (name === "text" && typeof opts.model === "string") {
        baseFolder = "base";
        for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
          await Deno.mkdir(join(dir, "base", "onnx"), { recursive: true });
          await Deno.copyFile(join(opts.model, f), join(dir, "base", f));
        }
      }
      const json = JSON.stringify({ ...describe(), head: "head.onnx", baseFolder, record }, null, 1) + "\n";
      await writeFileAtomic(join(dir, "adapter.json"), json);
    },
  };
}
