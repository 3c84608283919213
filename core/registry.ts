/**
 * The registry: the one place that maps (kind, name) to a plugin. Built-in plugins and users' plugins
 * register the same way; pipelines only ever reach plugins through here, by slot (a kind, or a role
 * within a kind: see core/contracts/slots.ts), so what they get back is typed.
 * @module
 */
import type { PluginDefinition, PluginKind, PluginRole } from "./contracts/base.ts";
import { PLUGIN_KINDS, PLUGIN_ROLES } from "./contracts/base.ts";
import { type Slot, SLOT_NAMES, type SlotInstance, SLOTS } from "./contracts/slots.ts";
import { closest, withDefaults } from "./config.ts";
import { ConfigError, PluginError } from "./errors.ts";
import { checkDefinition, guardInstance } from "./guard.ts";
import { moduleGraphHash, VERSION } from "./code_hash.ts";
import { sha256Text } from "./hash.ts";
import { type OptionsSchema, schemaFromDefaults } from "./options.ts";

/** The instance type each kind's plugins create (the kind slots of {@link SlotInstance}). */
export type InstanceOf = Pick<SlotInstance, PluginKind>;

/** Where a registered plugin came from (shown by `embedkit plugins`). */
export interface RegisteredPlugin {
  /** The plugin definition. */
  readonly def: PluginDefinition;
  /** "built-in", a file path or a URL. */
  readonly source: string;
  /** Its role (the kind's default role when the definition names none; undefined for legacy scorers). */
  readonly role?: PluginRole;
}

/** Options for {@link Registry.register}. */
export interface RegisterOptions {
  /** Replace an existing plugin of the same kind and name instead of refusing. */
  readonly override?: boolean;
  /** Where it came from: "built-in", a file path or a URL. */
  readonly source?: string;
  /** The module to hash for cache keys (a file URL); default: the definition's `module`. */
  readonly module?: string;
  /** A precomputed code hash (e.g. a remote plugin's pinned integrity). */
  readonly codeHash?: string;
}

interface Entry extends RegisteredPlugin {
  readonly module?: string;
  readonly codeHash?: string;
}

/** The role a definition declares, or its kind's default (scorers have no default). */
export function roleOf(def: PluginDefinition): PluginRole | undefined {
  return def.role ?? (def.kind === "scorer" ? undefined : PLUGIN_ROLES[def.kind][0]);
}

/** The declared options of a plugin: its schema, or one derived from a plain-object plugin's defaults. */
export function schemaOf(def: PluginDefinition): OptionsSchema {
  return def.schema ??
    schemaFromDefaults(def.defaults as Record<string, unknown>, def.options as Record<string, string>);
}

/** Maps (kind, name) to plugin definitions. */
export class Registry {
  readonly #plugins = new Map<PluginKind, Map<string, Entry>>(
    PLUGIN_KINDS.map((k) => [k, new Map()]),
  );
  readonly #codeHashes = new Map<string, Promise<string>>();

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
    this.#codeHashes.delete(`${def.kind}/${def.name}`);
    byName.set(def.name, {
      def,
      source,
      role: roleOf(def),
      module: opts.module ?? def.module,
      codeHash: opts.codeHash,
    });
  }

  /** Removes a plugin; returns whether it was there. */
  unregister(kind: PluginKind, name: string): boolean {
    this.#codeHashes.delete(`${kind}/${name}`);
    return this.#plugins.get(kind)?.delete(name) ?? false;
  }

  /**
   * True if (kind, name) is registered — for a kind, whatever the plugin's role — or, for a role slot,
   * if the plugin fills that role (`has("metric", "der")`).
   */
  has(slot: Slot, name: string): boolean {
    const s = SLOTS[slot];
    const e = s && this.#plugins.get(s.kind)?.get(name);
    return !!e &&
      ((PLUGIN_KINDS as readonly string[]).includes(slot) || !s.role || !e.role || e.role === s.role);
  }

  /** All plugins of a kind (or of every kind), sorted by kind then name. */
  list(kind?: PluginKind): RegisteredPlugin[] {
    const kinds = kind ? [kind] : PLUGIN_KINDS;
    return kinds.flatMap((k) =>
      [...this.#plugins.get(k)!.values()].sort((a, b) => a.def.name.localeCompare(b.def.name))
    ).map(({ def, source, role }) => ({ def, source, role }));
  }

  /** Names of the plugins that fill a slot. */
  names(slot: Slot): string[] {
    const s = SLOTS[slot];
    return [...this.#plugins.get(s.kind)!.values()].filter((e) => !s.role || !e.role || e.role === s.role)
      .map((e) => e.def.name).sort();
  }

  #entry(slot: Slot, name: string): Entry {
    const s = SLOTS[slot];
    if (!s) {
      throw new ConfigError(
        "registry",
        `unknown plugin kind or slot '${slot}'; kinds are ${PLUGIN_KINDS.join(", ")}; slots are ${
          SLOT_NAMES.join(", ")
        }`,
      );
    }
    const found = this.#plugins.get(s.kind)!.get(name);
    const names = this.names(slot);
    const what = slot === s.kind ? slot : `${slot} (${s.kind} role '${s.role}')`;
    if (!found) {
      const hint = closest(name, names);
      throw new ConfigError(
        "registry",
        `unknown ${what} '${name}'${hint ? `; did you mean '${hint}'?` : ""} available: ${
          names.join(", ") || "(none)"
        }`,
      );
    }
    if (s.role && found.role && found.role !== s.role) {
      throw new ConfigError(
        "registry",
        `${s.kind} '${name}' has role '${found.role}', not '${s.role}'; a ${what} is one of: ${
          names.join(", ") || "(none)"
        }`,
      );
    }
    return found;
  }

  /** The definition, or an error that suggests the closest name and lists what fills the slot. */
  get(slot: Slot, name: string): PluginDefinition {
    return this.#entry(slot, name).def;
  }

  /** Where a plugin came from ("built-in", a path or a URL). */
  sourceOf(slot: Slot, name: string): string {
    return this.#entry(slot, name).source;
  }

  /** The full config a plugin would run with: defaults overlaid by `options`, then validated. */
  resolveConfig(slot: Slot, name: string, options: Record<string, unknown> = {}): Record<string, unknown> {
    const def = this.get(slot, name);
    const cfg = withDefaults(`${def.kind} '${name}'`, def.defaults as Record<string, unknown>, options);
    def.validate(cfg);
    return cfg;
  }

  /**
   * A hash of the plugin's code, for cache keys: its module and every local module it imports
   * (a user's plugin file, or a built-in's file) with the package version; a precomputed hash where
   * the loader pinned one; else the text of its `create` and `validate`.
   */
  codeHash(slot: Slot, name: string): Promise<string> {
    const e = this.#entry(slot, name);
    const key = `${e.def.kind}/${name}`;
    let h = this.#codeHashes.get(key);
    if (!h) {
      h = e.codeHash
        ? Promise.resolve(e.codeHash)
        : e.module
        ? moduleGraphHash(e.module).then((m) => sha256Text(`${VERSION} ${m}`))
        : sha256Text(`${VERSION} ${String(e.def.create)} ${String(e.def.validate)}`);
      this.#codeHashes.set(key, h);
    }
    return h;
  }

  /**
   * Creates a ready instance: merges options over defaults, validates, creates, checks the
   * instance against its slot's contract and guards its outputs (bad shapes/NaN are reported by name).
   */
  async create<S extends Slot>(
    slot: S,
    name: string,
    options: Record<string, unknown> = {},
  ): Promise<SlotInstance[S]> {
    const e = this.#entry(slot, name);
    const { kind } = e.def;
    const cfg = this.resolveConfig(slot, name, options);
    let inst: unknown;
    try {
      inst = await e.def.create(cfg, { registry: this });
    } catch (err) {
      if (err instanceof PluginError || err instanceof ConfigError) throw err;
      throw new PluginError(kind, name, `create() failed: ${(err as Error).message ?? err}`, { cause: err });
    }
    const want = SLOTS[slot].role;
    const role = e.role ?? (inst as { role?: PluginRole } | null)?.role;
    if (want && role && role !== want) {
      throw new PluginError(kind, name, `created a '${role}' instance where a '${want}' was asked for`);
    }
    return guardInstance(kind, name, inst as SlotInstance[S], role);
  }
}

/** The registry: the only global mutable state in embedkit. */
export const registry: Registry = new Registry();
