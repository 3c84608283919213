/**
 * Built-in clusterer plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { ahcClusterer } from "./ahc.ts";
import { ahcLargeClusterer } from "./ahc_large.ts";
import { finchClusterer } from "./finch.ts";
import { finchAhcClusterer } from "./finch_ahc.ts";
import { kmeansClusterer } from "./kmeans.ts";
import { spectralClusterer } from "./spectral.ts";
import { concreteKmeansClusterer } from "./concrete_kmeans.ts";
import { vbxClusterer } from "./vbx.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  ahcClusterer,
  finchClusterer,
  finchAhcClusterer,
  kmeansClusterer,
  spectralClusterer,
  concreteKmeansClusterer,
  vbxClusterer,
  ahcLargeClusterer,
];
