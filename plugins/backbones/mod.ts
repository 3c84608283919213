/**
 * Built-in backbone plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [];
