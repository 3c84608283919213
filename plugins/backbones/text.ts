/**
 * `text` backbone: sentence embeddings from a transformers.js (@huggingface/transformers) model folder
 * (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx), or a zoo folder model
 * (`zoo:embedkit-text-debian`; every file verified against the catalog's sha256 first). Loads only from
 * a local folder unless `allowRemote` is set. Mean (attention-masked) or CLS pooling, optional Matryoshka
 * truncation to `dim`, then L2 normalisation (after truncation, so truncated vectors are unit length again).
 * transformers.js runs the model on onnxruntime-node under Deno; folders embedkit exported (with
 * embedkit.json) run natively by default (plugins/backbones/text_native.ts: same tokenizer library, same
 * ONNX graph, no `sharp` import, so they work under the CLI tasks' permissions).
 * @module
 */
import type { Backbone, BackboneInput } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError, InputError } from "../../core/errors.ts";
import { basename, dirname, join, resolve } from "../../core/paths.ts";
import { registry as globalRegistry } from "../../core/registry.ts";
import { zooModelFolder } from "../../core/zoo/model_source.ts";
import { isAdapterFolder, loadAdapterFolder, type TextVectors } from "../../core/text/adapter_runtime.ts";
import { isEmbedkitFolder, loadNativeTextModel } from "./text_native.ts";

const C = "backbone 'text'";

/** Masked mean or CLS pooling of one sequence's hidden states [L, H] (row-major). */
export function poolTokens(
  hidden: Float32Array,
  mask: ArrayLike<number | bigint>,
  L: number,
  H: number,
  pooling: "mean" | "cls",
): Float32Array {
  const out = new Float32Array(H);
  if (pooling === "cls") {
    out.set(hidden.subarray(0, H));
    return out;
  }
  let n = 0;
  const acc = new Float64Array(H);
  for (let t = 0; t < L; t++) {
    if (Number(mask[t]) === 0) continue;
    n++;
    for (let j = 0; j < H; j++) acc[j] += hidden[t * H + j];
  }
  for (let j = 0; j < H; j++) out[j] = acc[j] / Math.max(1, n);
  return out;
}

/** Matryoshka truncation to `dim` (0 = keep all) and optional L2 normalisation. */
export function truncateAndNormalize(v: Float32Array, dim: number, normalize: boolean): Float32Array {
  const out = dim > 0 ? v.slice(0, dim) : v.slice();
  if (normalize) {
    let s = 0;
    for (const x of out) s += x * x;
    const n = Math.sqrt(s) || 1;
    for (let i = 0; i < out.length; i++) out[i] /= n;
  }
  return out;
}

async function checkFolder(path: string): Promise<void> {
  const missing: string[] = [];
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
    try {
      await Deno.stat(join(path, f));
    } catch {
      missing.push(f);
    }
  }
  if (missing.length) {
    throw new InputError(
      path,
      `not a transformers.js model folder: missing ${
        missing.join(", ")
      } (remote loading is off; set allowRemote to fetch a hub model)`,
    );
  }
}

/** `text` backbone plugin. */
export const textBackbone = definePlugin({
  kind: "backbone",
  name: "text",
  description:
    "text embeddings via @huggingface/transformers (local folder; mean/CLS pooling, Matryoshka dim)",
  module: import.meta.url,
  options: {
    model: opt.string(
      "",
      "local model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx), zoo:NAME, or a hub id with allowRemote",
    ),
    // a string "false" would be truthy: allowRemote would then permit downloads (refused as not boolean)
    allowRemote: opt.boolean(false, "allow downloading from the model hub (off by default)"),
    pooling: opt.oneOf(["mean", "cls"] as const, "mean", "mean (attention-masked) or cls"),
    normalize: opt.boolean(true, "L2-normalise embeddings (after truncation)"),
    dim: opt.integer(0, "Matryoshka truncation to this many dimensions (0 = full)", { min: 0, max: 1 << 16 }),
    batchSize: opt.integer(16, "texts per forward pass", { min: 1, max: 4096 }),
    prefix: opt.string("", "text prepended to every input (e.g. 'query: ')"),
    maxLength: opt.integer(512, "truncate inputs to this many tokens", { min: 1, max: 1 << 16 }),
    runtime: opt.oneOf(
      ["auto", "transformers", "native"] as const,
      "auto",
      "transformers.js, or native (tokenizers + onnxruntime, no sharp); auto: native for embedkit's own folders",
    ),
  },
  async create(c, ctx): Promise<Backbone> {
    if (!c.model) throw new ConfigError(C, "set 'model' to a local transformers.js model folder");
    const zoo = c.model.startsWith("zoo:") ? await zooModelFolder(c.model, C, "text-embedding") : undefined;
    const folder = zoo?.path ?? c.model;
    const local = await Deno.stat(folder).then(() => true, () => false);
    const src = local && await isAdapterFolder(folder)
      ? await loadAdapterFolder(
        resolve(folder),
        C,
        (options) => (ctx?.registry ?? globalRegistry).create("backbone", "text", options),
        c.runtime,
      )
      : await pooledSource(c, folder, local);
    const H = src.dim;
    if (c.dim > H) {
      await src.dispose();
      throw new ConfigError(C, `'dim' ${c.dim} exceeds the model's hidden size ${H}`);
    }
    const dim = c.dim || H;
    const backbone: Backbone = {
      dim,
      modality: "text",
      info: () => ({
        backbone: "text",
        model: c.model,
        ...(zoo ? { zoo: zoo.zoo, modelSha256: zoo.sha256 } : {}),
        ...src.info,
        normalize: c.normalize,
        dim,
        hidden: H,
      }),
      async embed(inputs: readonly BackboneInput[]) {
        const out: Float32Array[] = [];
        for (let b = 0; b < inputs.length; b += c.batchSize) {
          const texts = inputs.slice(b, b + c.batchSize).map((x) => {
            if (typeof x.text !== "string") {
              throw new InputError(x.id, "no text (the text backbone embeds text)");
            }
            return c.prefix + x.text;
          });
          for (const v of await src.embed(texts)) out.push(truncateAndNormalize(v, c.dim, c.normalize));
        }
        return out;
      },
      dispose: () => src.dispose(),
    };
    return backbone;
  },
});

type TextConfig = typeof textBackbone.defaults;

/** A transformers.js model folder (or hub id) run by either runtime, pooled. */
async function pooledSource(c: TextConfig, folder: string, local: boolean): Promise<TextVectors> {
  if (local) await checkFolder(resolve(folder));
  else if (!c.allowRemote) {
    throw new InputError(
      c.model,
      "no such folder, and remote loading is off (set allowRemote to fetch from the hub)",
    );
  }
  const native = c.runtime === "native" ||
    (c.runtime === "auto" && local && await isEmbedkitFolder(folder));
  const m = native ? await nativeRuntime(folder) : await transformersRuntime(folder, local, c.allowRemote);
  const H = m.hidden;
  return {
    dim: H,
    info: { runtime: m.runtime, pooling: c.pooling },
    async embed(texts) {
      const { data, mask, L } = await m.forward(texts, c.maxLength);
      return texts.map((_, i) =>
        poolTokens(
          data.subarray(i * L * H, (i + 1) * L * H),
          mask.subarray(i * L, (i + 1) * L),
          L,
          H,
          c.pooling,
        )
      );
    },
    dispose: () => m.dispose(),
  };
}

/** A loaded model: hidden states of a batch, the same for both runtimes. */
interface Runtime {
  readonly hidden: number;
  readonly runtime: string;
  forward(
    texts: string[],
    maxLength: number,
  ): Promise<
    {
      data: Float32Array;
      mask: ArrayLike<number | bigint> & { subarray(a: number, b: number): ArrayLike<number | bigint> };
      L: number;
    }
  >;
  dispose(): Promise<void>;
}

async function nativeRuntime(folder: string): Promise<Runtime> {
  const m = await loadNativeTextModel(resolve(folder));
  return {
    hidden: m.hidden,
    runtime: `native (@huggingface/tokenizers + onnxruntime ${m.ep})`,
    forward: (texts, maxLength) => m.forward(texts, maxLength),
    dispose: () => m.dispose(),
  };
}

async function transformersRuntime(folder: string, local: boolean, allowRemote: boolean): Promise<Runtime> {
  const tf = await import("@huggingface/transformers");
  let id = folder;
  // transformers.js keeps its settings in a module-level `env`: set it right before each load.
  tf.env.allowRemoteModels = allowRemote;
  tf.env.allowLocalModels = true;
  if (local) {
    const abs = resolve(folder);
    tf.env.localModelPath = dirname(abs) + "/";
    id = basename(abs);
  }
  const tokenizer = await tf.AutoTokenizer.from_pretrained(id);
  const model = await tf.AutoModel.from_pretrained(id, { dtype: "fp32" });
  const H = Number((model as unknown as { config: { hidden_size?: number } }).config.hidden_size ?? 0);
  if (!(H > 0)) throw new InputError(folder, "config.json has no hidden_size");
  return {
    hidden: H,
    runtime: "transformers.js (onnxruntime-node)",
    async forward(texts, maxLength) {
      const enc = tokenizer(texts, { padding: true, truncation: true, max_length: maxLength });
      const res = await model(enc);
      const hs = res.last_hidden_state ?? res.token_embeddings;
      if (!hs) {
        throw new InputError(
          folder,
          `model outputs ${Object.keys(res).join(", ")}; expected last_hidden_state`,
        );
      }
      return {
        data: hs.data as Float32Array,
        mask: enc.attention_mask.data as BigInt64Array,
        L: (hs.dims as number[])[1],
      };
    },
    async dispose() {
      await model.dispose();
    },
  };
}
