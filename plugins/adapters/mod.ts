/**
 * Built-in adapter plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { meanSubAdapter } from "./mean_sub.ts";
import { ldaAdapter } from "./lda.ts";
import { wccnAdapter } from "./wccn.ts";
import { pldaAdapter } from "./plda.ts";
import { coralAdapter } from "./coral.ts";
import { langInvariantAdapter } from "./lang_invariant.ts";
import { ckmAdaptAdapter } from "./ckm_adapt.ts";
import { pseudoLabelAdapter } from "./pseudo_label.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  meanSubAdapter as PluginDefinition,
  ldaAdapter as PluginDefinition,
  wccnAdapter as PluginDefinition,
  pldaAdapter as PluginDefinition,
  coralAdapter as PluginDefinition,
  langInvariantAdapter as PluginDefinition,
  ckmAdaptAdapter as PluginDefinition,
  pseudoLabelAdapter as PluginDefinition,
];
