/**
 * Architecture-faithful models with seeded random weights, by name. `random:NAME[@SEED]` in the
 * onnx-speaker backbone's `model` option builds one in memory (no file, no download): right shapes,
 * right speed, meaningless embeddings.
 * @module
 */
import type { BuiltModel } from "./common.ts";
import { buildXVector } from "./xvector.ts";
import { buildResNet } from "./resnet.ts";
import { buildEcapa } from "./ecapa.ts";

export type { BuiltModel } from "./common.ts";
export { buildXVector } from "./xvector.ts";
export { buildResNet } from "./resnet.ts";
export { buildEcapa } from "./ecapa.ts";

/** Name -> builder (seeded). */
export const RANDOM_MODELS: Record<string, (seed: number) => BuiltModel> = {
  resnet34: (seed) => buildResNet({ seed }),
  "resnet-small": (seed) => buildResNet({ seed, mChannels: 8, blocks: [1, 1, 1, 1], embedDim: 64 }),
  ecapa512: (seed) => buildEcapa({ seed, channels: 512 }),
  ecapa1024: (seed) => buildEcapa({ seed, channels: 1024 }),
  "ecapa-small": (seed) =>
    buildEcapa({ seed, channels: 16, mfaChannels: 48, attentionDim: 8, seDim: 8, embedDim: 16 }),
  xvector: (seed) => buildXVector({ seed }),
  "xvector-small": (seed) => buildXVector({ seed, channels: 64, statsChannels: 128, embedDim: 32 }),
};

/** Builds `random:NAME[@SEED]`; the error lists the names. */
export function buildRandomModel(spec: string): BuiltModel {
  const m = /^random:([a-z0-9-]+)(?:@(\d+))?$/.exec(spec);
  const builder = m && RANDOM_MODELS[m[1]];
  if (!builder) {
    throw new Error(
      `'${spec}' is not a random model; use random:NAME[@SEED] with NAME one of ${
        Object.keys(RANDOM_MODELS).join(", ")
      }`,
    );
  }
  return builder(Number(m![2] ?? 1));
}
