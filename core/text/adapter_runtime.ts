/**
 * Loads a folder `train --modality text --model adapter` exports (core/text/adapter.ts `exportFolder`:
 * `adapter.json`, `head.onnx` with input `embedding` [batch, in] and output `sentence_embedding`
 * [batch, dim], and the base `text` model folder copied under `base/`) for the `text` backbone
 * (plugins/backbones/text.ts). A text is embedded as at training time (core/text/adapter.ts `prepare`):
 * the base backbone, built with the options adapter.json records (`baseOptions`: pooling, normalisation,
 * prefix, ... of the training run) over the copied folder, then the head, run by core/onnx/runtime.ts.
 * The backbone's own `dim` cut and normalisation come after, as for any model.
 * A base without a saved folder (`tfidf-text` fits its vocabulary on the first batch and does not save
 * it) cannot be reproduced: refused with the fix.
 * @module
 */
import type { Backbone } from "../contracts/mod.ts";
import { ConfigError, InputError } from "../errors.ts";
import { join, resolve } from "../paths.ts";
import { loadOnnx } from "../onnx/runtime.ts";

/** Builds the base `text` backbone from options (through the caller's registry: defaults, validation). */
export type CreateTextBackbone = (options: Record<string, unknown>) => Promise<Backbone>;

/**
 * Full-size vectors of a batch of texts, before the `text` backbone's dim cut and normalisation: a pooled
 * model folder, or an adapter folder's head outputs.
 */
export interface TextVectors {
  /** The vectors' size (an adapter: the head's output dim). */
  readonly dim: number;
  /** Facts for the backbone's info(). */
  readonly info: Record<string, unknown>;
  embed(texts: string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** True for a folder an adapter training exported (it has adapter.json). */
export function isAdapterFolder(dir: string): Promise<boolean> {
  return Deno.stat(join(dir, "adapter.json")).then((s) => s.isFile, () => false);
}

interface AdapterJson {
  base: string;
  baseOptions: Record<string, unknown>;
  baseFolder: string | null;
  inDim: number;
  dim: number;
  head: string;
}

async function readAdapterJson(path: string): Promise<AdapterJson> {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new InputError(path, `cannot read this adapter file as JSON (${(e as Error).message})`);
  }
  const bad = (what: string) => new InputError(path, `${what}; re-export the adapter with 'embedkit train'`);
  if (typeof j.base !== "string") throw bad("no 'base' (the registry name of the frozen backbone)");
  if (typeof j.baseOptions !== "object" || j.baseOptions === null) throw bad("no 'baseOptions' object");
  for (const k of ["inDim", "dim"]) {
    if (!Number.isInteger(j[k]) || (j[k] as number) < 1) throw bad(`'${k}' is not a positive integer`);
  }
  if (typeof j.head !== "string") throw bad("no 'head' (the head's ONNX file)");
  if (j.baseFolder !== undefined && j.baseFolder !== null && typeof j.baseFolder !== "string") {
    throw bad("'baseFolder' is neither a folder name nor null");
  }
  return j as unknown as AdapterJson;
}

/**
 * Loads adapter folder `dir`; `runtime` (the backbone's option) replaces the recorded base runtime
 * unless it is "auto".
 */
export async function loadAdapterFolder(
  dir: string,
  component: string,
  createText: CreateTextBackbone,
  runtime: string,
): Promise<TextVectors> {
  const path = join(dir, "adapter.json");
  const a = await readAdapterJson(path);
  if (a.base !== "text" || !a.baseFolder) {
    throw new ConfigError(
      component,
      `${path}: the adapter's base backbone '${a.base}' was not exported with it (baseFolder is null${
        a.base === "tfidf-text"
          ? ": tfidf-text fits its vocabulary on the first batch and does not save it"
          : ""
      }), so its input embeddings cannot be reproduced; train the adapter over a \`text\` model folder ` +
        "(train --modality text --model adapter --backbone text:model=DIR) and export it again",
    );
  }
  const baseDir = resolve(join(dir, a.baseFolder));
  const base = await createText({
    ...a.baseOptions,
    model: baseDir,
    ...(runtime !== "auto" ? { runtime } : {}),
  });
  const headPath = join(dir, a.head);
  try {
    if (base.dim !== a.inDim) {
      throw new InputError(
        path,
        `'inDim' ${a.inDim}, but the base folder ${baseDir} embeds ${base.dim} dims`,
      );
    }
    const head = await loadOnnx(await Deno.readFile(headPath), { log: () => {} }).catch((e) => {
      throw new InputError(headPath, `cannot load the adapter head (${(e as Error).message})`);
    });
    if (!head.inputNames.includes("embedding") || !head.outputNames.includes("sentence_embedding")) {
      await head.dispose();
      throw new InputError(
        headPath,
        `inputs ${head.inputNames.join(", ")} / outputs ${head.outputNames.join(", ")}; ` +
          "expected embedding -> sentence_embedding",
      );
    }
    return {
      dim: a.dim,
      info: { adapter: { base: a.base, baseOptions: a.baseOptions, inDim: a.inDim, ep: head.ep } },
      async embed(texts) {
        if (texts.length === 0) return [];
        const x = await base.embed(texts.map((text, i) => ({ id: `text ${i}`, text })));
        const data = new Float32Array(texts.length * a.inDim);
        x.forEach((v, i) => data.set(v, i * a.inDim));
        const y = (await head.run({ embedding: { dims: [texts.length, a.inDim], data } })).sentence_embedding;
        if (y.dims.length !== 2 || y.dims[1] !== a.dim) {
          throw new InputError(headPath, `output shape [${y.dims}], adapter.json says dim ${a.dim}`);
        }
        return texts.map((_, i) => y.data.slice(i * a.dim, (i + 1) * a.dim));
      },
      async dispose() {
        await head.dispose();
        await base.dispose?.();
      },
    };
  } catch (e) {
    await base.dispose?.();
    throw e;
  }
}
