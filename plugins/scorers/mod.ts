/**
 * Built-in scorer plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { cosineScorer } from "./cosine.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  cosineScorer as PluginDefinition,
];
