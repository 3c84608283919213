/**
 * Fixtures of the text-training tests: synthetic pairs and a tiny static-model config.
 * @module
 */
import type { TextPair } from "../core/text/pairs.ts";
import type { TextTrainConfig } from "../core/text/train.ts";

/** Synthetic pairs: topic words in the anchor, a longer passage with them and filler. */
export function synthPairs(n: number, seed: number): TextPair[] {
  const topics = [
    "audio codec",
    "python library",
    "network daemon",
    "game engine",
    "font package",
    "kernel module",
    "database server",
    "image viewer",
    "text editor",
    "mail client",
    "spell checker",
    "backup tool",
  ];
  const filler = [
    "this",
    "package",
    "provides",
    "a",
    "fast",
    "small",
    "tool",
    "for",
    "users",
    "and",
    "developers",
  ];
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  return Array.from({ length: n }, (_, i) => {
    const t = topics[i % topics.length], id = `pkg${i}`;
    const fill = Array.from({ length: 8 }, () => filler[Math.floor(r() * filler.length)]).join(" ");
    return {
      anchor: `${t} ${id}`,
      positive: `${fill} ${t} named ${id} ${fill}`,
      extra: { source: `src${i % 7}` },
    };
  });
}

export const TINY: TextTrainConfig = {
  model: { kind: "static", vocabSize: 120, dim: 32 },
  lossOptions: { inner: "mnrl", dims: [32, 16, 8] },
  epochs: 2,
  batchSize: 16,
  lr: 0.05,
  seed: 7,
};
