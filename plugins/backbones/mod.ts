/**
 * Built-in backbone plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { fbankStatsBackbone } from "./fbank_stats.ts";
import { tfidfTextBackbone } from "./tfidf_text.ts";
import { onnxSpeakerBackbone } from "./onnx-speaker.ts";
import { textBackbone } from "./text.ts";
import { sileroVad } from "./silero_vad.ts";
import { energyVadPlugin } from "./energy_vad.ts";
import { pyannetSegmentation } from "./pyannet_segmentation.ts";
import { bm25Backbone } from "./bm25.ts";
import { hybridRrfBackbone } from "./hybrid_rrf.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  fbankStatsBackbone,
  tfidfTextBackbone,
  onnxSpeakerBackbone,
  textBackbone,
  sileroVad,
  energyVadPlugin,
  pyannetSegmentation,
  bm25Backbone,
  hybridRrfBackbone,
];
