/**
 * embedkit core: the registry, the plugin contracts, the plugin loader and shared helpers.
 *
 * ```ts
 * import { registry } from "@embedkit/core";
 * import "@embedkit/core/plugins"; // registers the built-in plugins
 * const finch = await registry.create("clusterer", "finch", {});
 * ```
 * @module
 */
export * from "./contracts/mod.ts";
export {
  type InstanceOf,
  type RegisteredPlugin,
  type RegisterOptions,
  Registry,
  registry,
} from "./registry.ts";
export { loadPluginModule, type LoadPluginOptions } from "./loader.ts";
export { check, type Checks, closest, withDefaults } from "./config.ts";
export { definePlugin, type PluginDeclaration } from "./plugin.ts";
export {
  allowedText,
  type Bounds,
  type ConfigOf,
  type ConfigSchema,
  type NumberExtras,
  opt,
  type OptionBuilders,
  type OptionDecl,
  type OptionsOf,
  type OptionsSchema,
  type OptionType,
  resolveConfig,
  type SchemaOf,
} from "./options.ts";
export { ConfigError, InputError, PluginError } from "./errors.ts";
export { assertFinite, fromRows, type Matrix, matrix, row, selectRows } from "./matrix.ts";
export { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
export { Progress, status } from "./progress.ts";
export { Rng, type RngState } from "./random.ts";
