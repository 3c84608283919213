/**
 * Text model factory: the config's `kind` picks the static-embedding model, the small transformer
 * encoder or the adapter head over a frozen text backbone.
 * @module
 */
import type { Registry } from "../registry.ts";
import type { TrainableTextModel } from "./model.ts";
import type { TextTrainConfig } from "./train_config.ts";
import { createStaticModel } from "./static.ts";
import { createTransformerModel } from "./transformer.ts";
import { createAdapterModel } from "./adapter.ts";

/** The model of a resolved config; token models train their tokenizer on `trainTexts`. */
export async function createTextModel(
  c: Required<TextTrainConfig>,
  trainTexts: readonly string[],
  registry: Registry,
): Promise<TrainableTextModel> {
  const m = c.model;
  if (m.kind === "static") return createStaticModel(m, trainTexts, c.seed) as TrainableTextModel;
  if (m.kind === "transformer") return createTransformerModel(m, trainTexts, c.seed) as TrainableTextModel;
  if (m.kind === "adapter") return await createAdapterModel(m, registry, c.seed) as TrainableTextModel;
  throw new RangeError(
    `text model kind must be static, transformer or adapter, got '${(m as { kind: string }).kind}'`,
  );
}
