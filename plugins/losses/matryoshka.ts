/**
 * MatryoshkaLoss (Kusupati et al. 2022; sentence-transformers): L = Σ_k w_k · inner(x[:, :d_k]),
 * the same inner loss applied to the first d_k dimensions of every embedding (and of `positives`
 * and `extra.hardNegatives`). The inner loss is created through the registry — one instance per
 * dimension when it has a `dim` option (its class weights then have that width).
 * @module
 */
import type { Loss } from "../../core/contracts/mod.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import { registry } from "../../core/registry.ts";
import { add, scale, slice, type Tensor } from "../../core/autodiff/mod.ts";

function cut(t: Tensor | undefined, d: number, field: string): Tensor | undefined {
  if (!t) return undefined;
  if (t.shape[1] < d) {
    throw new RangeError(`matryoshka: ${field} have dim ${t.shape[1]}, smaller than requested ${d}`);
  }
  return t.shape[1] === d ? t : slice(t, 1, 0, d);
}

/** `matryoshka` loss plugin. */
export const matryoshkaLoss = definePlugin({
  kind: "loss",
  name: "matryoshka",
  description: "Matryoshka wrapper: weighted sum of an inner loss over embedding prefixes of several sizes",
  module: import.meta.url,
  options: {
    inner: opt.string(
      "mnrl",
      "registry name of the inner loss (e.g. mnrl, aam-softmax)",
      (v) => (!v || v === "matryoshka" ? `must name another loss plugin, got '${v}'` : undefined),
    ),
    innerOptions: opt.json<Record<string, unknown>>(
      {},
      "options passed to the inner loss (its 'dim' is set per prefix)",
      (v) => (v && typeof v === "object" && !Array.isArray(v) ? undefined : "must be an object of options"),
    ),
    dims: opt.numbers([768, 512, 256, 128, 64], "prefix sizes, e.g. [768, 256, 64]", {
      integer: true,
      min: 1,
      minItems: 1,
    }),
    weights: opt.numbers([], "one weight per dim ([] = all 1)", { min: 0 }),
  },
  validate(c) {
    if (c.weights.length && c.weights.length !== c.dims.length) {
      throw new ConfigError(
        "loss 'matryoshka'",
        `'weights' must be [] or have one entry per dim (${c.dims.length}), got ${JSON.stringify(c.weights)}`,
      );
    }
  },
  async create(c, ctx): Promise<Loss> {
    // the inner losses come from the registry creating this one (the global one when called directly)
    const reg = ctx?.registry ?? registry;
    const perDim = "dim" in (reg.get("loss", c.inner).defaults as object);
    const inners: Loss[] = perDim
      ? await Promise.all(c.dims.map((d) => reg.create("loss", c.inner, { ...c.innerOptions, dim: d })))
      : [await reg.create("loss", c.inner, c.innerOptions)];
    const weights = c.weights.length ? c.weights : c.dims.map(() => 1);
    return {
      parameters: () => inners.flatMap((l) => l.parameters()),
      forward(input) {
        let total: Tensor | undefined;
        c.dims.forEach((d, k) => {
          const hard = input.extra?.hardNegatives as Tensor | undefined;
          const part = (perDim ? inners[k] : inners[0]).forward({
            ...input,
            embeddings: cut(input.embeddings, d, "embeddings")!,
            positives: cut(input.positives, d, "positives"),
            extra: hard
              ? { ...input.extra, hardNegatives: cut(hard, d, "extra.hardNegatives") }
              : input.extra,
          });
          const w = scale(part, weights[k]);
          total = total ? add(total, w) : w;
        });
        return total!;
      },
    };
  },
});
