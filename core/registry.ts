/**
 * The registry: the one place that maps (kind, name) to a plugin. Built-in plugins and users' plugins
 * register the same way; pipelines only ever reach plugins through here.
 * @module
 */
import type { PluginDefinition, PluginKind } from "./contracts/base.ts";
import { PLUGIN_KINDS } from "./contracts/base.ts";
import type { Backbone } from "./contracts/backbone.ts";
import type { Loss } from "./contracts/loss.ts";
import type { Clusterer } from "./contracts/clusterer.ts";
import type { Adapter } from "./contracts/adapter.ts";
import type { Scorer } from "./contracts/scorer.ts";
import { closest, withDefaults } from "./config.ts";
import { ConfigError, PluginError } from "./errors.ts";
import { checkDefinition, guardInstance } from "./guard.ts";

/** The instance type each kind's plugins create. */
export interface InstanceOf {
  /** Backbone instances. */
  backbone: Backbone;
  /** Loss instances. */
  loss: Loss;
  /** Clusterer instances. */
  clusterer: Clusterer;
  /** Adapter instances. */
  adapter: Adapter;
  /** Scorer instances (any role). */
  scorer: Scorer;
}

/** Where a registered plugin came from (shown by `embedkit plugins`). */
export interface RegisteredPlugin {
  /** The plugin definition. */
  readonly def: PluginDefinition;
  /** "built-in", a file path or a URL. */
  readonly source: string;
}

/** Options for {@link Registry.register}. */
export interface RegisterOptions {
  /** Replace an existing plugin of the same kind and name instead of refusing. */
  readonly override?: boolean;
  /** Where it came from: "built-in", a file path or a URL. */
  readonly source?: string;
}

/** Maps (kind, name) to plugin definitions. */
export class Registry {
  readonly #plugins = new Map<PluginKind, Map<string, RegisteredPlugin>>(
    PLUGIN_KINDS.map((k) => [k, new Map()]),
  );

  /** Adds a plugin after checking it satisfies its contract; refuses duplicates unless `override`. */
  register(def: PluginDefinition, opts: RegisterOptions = {}): void {
    const source = opts.source ?? "code";
    checkDefinition(def, source);
    const byName = this.#plugins.get(def.kind)!;
    const existing = byName.get(def.name);
    if (existing && !opts.override) {
      throw new PluginError(
        def.kind,
        def.name,
        `already registered (from ${existing.source}); pick another name or pass override (CLI: --override) to replace it`,
      );
    }
    byName.set(def.name, { def, source });
  }

  /** Removes a plugin; returns whether it was there. */
  unregister(kind: PluginKind, name: string): boolean {
    return this.#plugins.get(kind)?.delete(name) ?? false;
  }

  /** True if (kind, name) is registered. */
  has(kind: PluginKind, name: string): boolean {
    return this.#plugins.get(kind)?.has(name) ?? false;
  }

  /** All plugins of a kind (or of every kind), sorted by kind then name. */
  list(kind?: PluginKind): RegisteredPlugin[] {
    const kinds = kind ? [kind] : PLUGIN_KINDS;
    return kinds.flatMap((k) =>
      [...this.#plugins.get(k)!.values()].sort((a, b) => a.def.name.localeCompare(b.def.name))
    );
  }

  /** The definition, or an error that suggests the closest name and lists what is available. */
  get<K extends PluginKind>(kind: K, name: string): PluginDefinition<K, object, InstanceOf[K]> {
    if (!PLUGIN_KINDS.includes(kind)) {
      throw new ConfigError(
        "registry",
        `unknown plugin kind '${kind}'; kinds are ${PLUGIN_KINDS.join(", ")}`,
      );
    }
    const found = this.#plugins.get(kind)!.get(name);
    if (!found) {
      const names = [...this.#plugins.get(kind)!.keys()].sort();
      const hint = closest(name, names);
      throw new ConfigError(
        "registry",
        `unknown ${kind} '${name}'${hint ? `; did you mean '${hint}'?` : ""} available: ${
          names.join(", ") || "(none)"
        }`,
      );
    }
    return found.def as PluginDefinition<K, object, InstanceOf[K]>;
  }

  /** The full config a plugin would run with: defaults overlaid by `options`, then validated. */
  resolveConfig(
    kind: PluginKind,
    name: string,
    options: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const def = this.get(kind, name);
    const cfg = withDefaults(`${kind} '${name}'`, def.defaults as Record<string, unknown>, options);
    def.validate(cfg);
    return cfg;
  }

  /**
   * Creates a ready instance: merges options over defaults, validates, creates, checks the
   * instance against its kind's contract and guards its outputs (bad shapes/NaN are reported by name).
   */
  async create<K extends PluginKind>(
    kind: K,
    name: string,
    options: Record<string, unknown> = {},
  ): Promise<InstanceOf[K]> {
    const def = this.get(kind, name);
    const cfg = this.resolveConfig(kind, name, options);
    let inst: unknown;
    try {
      inst = await def.create(cfg);
    } catch (e) {
      if (e instanceof PluginError || e instanceof ConfigError) throw e;
      throw new PluginError(kind, name, `create() failed: ${(e as Error).message ?? e}`, { cause: e });
    }
    return guardInstance(kind, name, inst as InstanceOf[K]);
  }
}

/** The registry: the only global mutable state in embedkit. */
export const registry: Registry = new Registry();
