/**
 * The `text` backbone's native runtime for model folders embedkit exports (core/text/export.ts: an
 * `embedkit.json` beside config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx): the
 * tokenizer.json run by @huggingface/tokenizers (the library transformers.js itself tokenizes with; special
 * tokens added as the post-processor says, so as transformers.js' tokenizer call does), the ONNX graph run
 * by core/onnx/runtime.ts (onnxruntime-node, else wasm) on int64 `input_ids` / `attention_mask` padded to
 * the batch's longest text. The transformers.js npm build imports `sharp` (native image code) at load,
 * which the CLI tasks' permissions do not grant; this path needs only onnxruntime. Pooling and
 * normalisation are the backbone's own (plugins/backbones/text.ts), so both runtimes embed alike (the
 * test compares them).
 * @module
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { join } from "../../core/paths.ts";
import { InputError } from "../../core/errors.ts";
import { loadOnnx } from "../../core/onnx/runtime.ts";

/** A loaded folder: hidden states of a batch of texts, and facts for info(). */
export interface NativeTextModel {
  readonly hidden: number;
  readonly ep: string;
  /** last_hidden_state [B, L, H] (row-major) and the attention mask [B, L] of `texts`. */
  forward(
    texts: readonly string[],
    maxLength: number,
  ): Promise<{ data: Float32Array; mask: BigInt64Array; L: number }>;
  dispose(): Promise<void>;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new InputError(path, `cannot read this model file as JSON (${(e as Error).message})`);
  }
}

/** True for a folder embedkit exported (it has embedkit.json). */
export function isEmbedkitFolder(dir: string): Promise<boolean> {
  return Deno.stat(join(dir, "embedkit.json")).then((s) => s.isFile, () => false);
}

/** Loads an exported folder. */
export async function loadNativeTextModel(dir: string): Promise<NativeTextModel> {
  const config = await readJson(join(dir, "config.json"));
  const tok = new Tokenizer(
    (await readJson(join(dir, "tokenizer.json"))) as never,
    (await readJson(join(dir, "tokenizer_config.json"))) as never,
  );
  const H = Number(config.hidden_size ?? 0);
  if (!(H > 0)) throw new InputError(join(dir, "config.json"), "config.json has no hidden_size");
  const model = await loadOnnx(await Deno.readFile(join(dir, "onnx", "model.onnx")), { log: () => {} });
  if (!model.outputNames.includes("last_hidden_state")) {
    throw new InputError(
      join(dir, "onnx", "model.onnx"),
      `outputs ${model.outputNames.join(", ")}; expected last_hidden_state`,
    );
  }
  return {
    hidden: H,
    ep: model.ep,
    async forward(texts, maxLength) {
      const ids = texts.map((t) => {
        const x = tok.encode(t).ids;
        return x.length > maxLength ? x.slice(0, maxLength) : x;
      });
      const B = texts.length, L = Math.max(1, ...ids.map((x) => x.length));
      const inputIds = new BigInt64Array(B * L), mask = new BigInt64Array(B * L);
      ids.forEach((x, b) =>
        x.forEach((id, t) => {
          inputIds[b * L + t] = BigInt(id);
          mask[b * L + t] = 1n;
        })
      );
      const feeds: Record<string, { dims: number[]; data: BigInt64Array }> = {
        input_ids: { dims: [B, L], data: inputIds },
        attention_mask: { dims: [B, L], data: mask },
      };
      if (model.inputNames.includes("token_type_ids")) {
        feeds.token_type_ids = { dims: [B, L], data: new BigInt64Array(B * L) };
      }
      const out = await model.run(feeds);
      return { data: out.last_hidden_state.data, mask, L };
    },
    dispose: () => model.dispose(),
  };
}
