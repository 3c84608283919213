/**
 * Registers every built-in plugin with the global registry, through exactly the path users' plugins
 * take (`registry.register`). Importing this module is idempotent.
 * @module
 */
import { registry } from "../core/registry.ts";
import type { PluginDefinition } from "../core/contracts/base.ts";
import { plugins as backbones } from "./backbones/mod.ts";
import { plugins as losses } from "./losses/mod.ts";
import { plugins as clusterers } from "./clusterers/mod.ts";
import { plugins as adapters } from "./adapters/mod.ts";
import { plugins as scorers } from "./scorers/mod.ts";

/** All built-in plugins. */
export const builtins: PluginDefinition[] = [...backbones, ...losses, ...clusterers, ...adapters, ...scorers];

for (const def of builtins) {
  if (!registry.has(def.kind, def.name)) registry.register(def, { source: "built-in" });
}

export { registry };
