/**
 * Built-in backbone plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { fbankStatsBackbone } from "./fbank_stats.ts";
import { tfidfTextBackbone } from "./tfidf_text.ts";
import { onnxSpeakerBackbone } from "./onnx-speaker.ts";
import { textBackbone } from "./text.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  fbankStatsBackbone as PluginDefinition,
  tfidfTextBackbone as PluginDefinition,
  onnxSpeakerBackbone as PluginDefinition,
  textBackbone as PluginDefinition,
];
