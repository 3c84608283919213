/**
 * MatryoshkaLoss (Kusupati et al. 2022; sentence-transformers): L = Σ_k w_k · inner(x[:, :d_k]),
 * the same inner loss applied to the first d_k dimensions of every embedding (and of `positives`
 * and `extra.hardNegatives`). The inner loss is created through the registry — one instance per
 * dimension when it has a `dim` option (its class weights then have that width).
 * @module
 */
import type { Loss, LossPlugin } from "../../core/contracts/mod.ts";
import { ConfigError as ConfigErr } from "../../core/errors.ts";
import { registry } from "../../core/registry.ts";
import { add, scale, slice, type Tensor } from "../../core/autodiff/mod.ts";

/** Options of the Matryoshka wrapper. */
export interface MatryoshkaConfig {
  inner: string;
  innerOptions: Record<string, unknown>;
  dims: number[];
  weights: number[];
}

function cut(t: Tensor | undefined, d: number, field: string): Tensor | undefined {
  if (!t) return undefined;
  if (t.shape[1] < d) {
    throw new RangeError(`matryoshka: ${field} have dim ${t.shape[1]}, smaller than requested ${d}`);
  }
  return t.shape[1] === d ? t : slice(t, 1, 0, d);
}

/** `matryoshka` loss plugin. */
export const matryoshkaLoss: LossPlugin<MatryoshkaConfig> = {
  kind: "loss",
  name: "matryoshka",
  description: "Matryoshka wrapper: weighted sum of an inner loss over embedding prefixes of several sizes",
  defaults: { inner: "mnrl", innerOptions: {}, dims: [768, 512, 256, 128, 64], weights: [] },
  options: {
    inner: "registry name of the inner loss (e.g. mnrl, aam-softmax)",
    innerOptions: "options passed to the inner loss (its 'dim' is set per prefix)",
    dims: "prefix sizes, e.g. [768, 256, 64]",
    weights: "one weight per dim ([] = all 1)",
  },
  validate(c) {
    const n = "loss 'matryoshka'";
    if (typeof c.inner !== "string" || !c.inner || c.inner === "matryoshka") {
      throw new ConfigErr(n, `'inner' must name another loss plugin, got ${JSON.stringify(c.inner)}`);
    }
    if (!Array.isArray(c.dims) || !c.dims.length || c.dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ConfigErr(
        n,
        `'dims' must be a non-empty list of positive integers, got ${JSON.stringify(c.dims)}`,
      );
    }
    if (!Array.isArray(c.weights) || (c.weights.length && c.weights.length !== c.dims.length)) {
      throw new ConfigErr(
        n,
        `'weights' must be [] or have one entry per dim (${c.dims.length}), got ${JSON.stringify(c.weights)}`,
      );
    }
    if (c.weights.some((w) => !(typeof w === "number" && w >= 0 && Number.isFinite(w)))) {
      throw new ConfigErr(n, `'weights' must be non-negative numbers, got ${JSON.stringify(c.weights)}`);
    }
  },
  async create(c) {
    const innerDef = registry.get("loss", c.inner);
    const perDim = "dim" in (innerDef.defaults as object);
    const inners: Loss[] = perDim
      ? await Promise.all(c.dims.map((d) => registry.create("loss", c.inner, { ...c.innerOptions, dim: d })))
      : [await registry.create("loss", c.inner, c.innerOptions)];
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
};
