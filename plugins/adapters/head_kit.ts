/**
 * What the adapters that train a network on embeddings share: the options of the head that
 * core/nn/head.ts `trainHead` trains and of its classification loss (`lang-invariant`, `pseudo-label`),
 * declared once; the loss factory over the creating registry; and the transform of a fitted module.
 * Not a plugin itself: plugins/adapters/mod.ts does not list it.
 * @module
 */
import type { Loss, PluginContext } from "../../core/contracts/mod.ts";
import { type ConfigOf, opt } from "../../core/options.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { Module } from "../../core/nn/module.ts";
import { applyModule } from "../../core/nn/head.ts";

/** A check for options that name a registered plugin. */
export function namesPlugin(kind: string): (v: string) => string | undefined {
  return (v) => (v ? undefined : `must name a ${kind} plugin`);
}

/** A check for options that hold another plugin's options. */
export function isOptionsObject(v: unknown): string | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? undefined : "must be an object of options";
}

/** The options of a trained head and its classification loss. */
export const HEAD_OPTIONS = {
  outDim: opt.integer(0, "head output dimension (0 = input dimension)", { min: 0 }),
  hidden: opt.integer(0, "hidden width (0 = one linear layer)", { min: 0 }),
  loss: opt.string(
    "aam-softmax",
    "registry name of the classification loss of the head",
    namesPlugin("loss"),
  ),
  lossOptions: opt.json<Record<string, unknown>>(
    { scale: 32, margin: 0.2 },
    "options of that loss (dim/numClasses are set automatically)",
    isOptionsObject,
  ),
  epochs: opt.integer(30, "training epochs of the head", { min: 1 }),
  batchSize: opt.integer(64, "rows per batch", { min: 2 }),
  lr: opt.number(0.005, "peak Adam learning rate (warm-up + cosine)", { gt: 0 }),
  seed: opt.integer(0, "seed of every random draw (initialisation, shuffling, clustering, noise)", {
    min: 0,
  }),
};

/** The config of a trained head and its loss. */
export type HeadOptions = ConfigOf<typeof HEAD_OPTIONS>;

/** The head's loss, created by `reg` with the configured options and the shape trainHead gives. */
export function headLoss(
  reg: PluginContext["registry"],
  c: Pick<HeadOptions, "loss" | "lossOptions">,
): (shape: object) => Promise<Loss> {
  return (shape) => reg.create("loss", c.loss, { ...c.lossOptions, ...shape });
}

/** Runs a fitted module over the rows of `x`; before fit() an error says so. */
export function applyFitted(m: Module | null, x: Matrix, adapter: string): Matrix {
  if (!m) throw new Error(`${adapter}: call fit() before transform()`);
  return applyModule(m, x);
}
