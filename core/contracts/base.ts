/**
 * The shape every plugin shares, whatever its kind.
 * @module
 */
import type { OptionsSchema } from "../options.ts";
import type { Registry } from "../registry.ts";

/** The five plugin kinds. */
export const PLUGIN_KINDS = ["backbone", "loss", "clusterer", "adapter", "scorer"] as const;
/** One of the five plugin kinds. */
export type PluginKind = typeof PLUGIN_KINDS[number];

/**
 * The roles within each kind: a plugin does one job, named by its role. The first role of a kind is
 * its default (a backbone without a `role` embeds). Scorer plugins must name their role.
 */
export const PLUGIN_ROLES = {
  backbone: ["embed", "vad", "segmentation"],
  loss: ["loss"],
  clusterer: ["cluster"],
  adapter: ["transform", "augment"],
  scorer: ["score", "normalize", "calibrate", "metric"],
} as const;

/** A role of kind `K`. */
export type PluginRole<K extends PluginKind = PluginKind> = typeof PLUGIN_ROLES[K][number];

/** What a plugin's create() is given besides its config. */
export interface PluginContext {
  /** The registry creating the plugin: where it finds the plugins it builds on. */
  readonly registry: Pick<Registry, "create" | "get" | "has">;
}

/**
 * A plugin: a named factory with a plain config object, documented options and a validate()
 * that throws a {@link ConfigError} explaining what is wrong and what is allowed.
 *
 * `I` is the instance type its kind's contract requires (see the per-kind contract files).
 */
export interface PluginDefinition<K extends PluginKind = PluginKind, C extends object = object, I = unknown> {
  /** Which contract this plugin satisfies. */
  readonly kind: K;
  /** Registry name, lower-case with dashes (`finch`, `aam-softmax`). */
  readonly name: string;
  /** One line shown by `embedkit plugins`. */
  readonly description: string;
  /** The job it does within its kind (see {@link PLUGIN_ROLES}); scorers must say, others default to the first role. */
  readonly role?: PluginRole<K>;
  /** Every option with its default value. Unknown options are refused. */
  readonly defaults: C;
  /** One line of help per option, shown by `embedkit plugins` and `--help`. */
  readonly options: { readonly [P in keyof C]: string };
  /**
   * The declared options (type, default, bounds, help), when the plugin was made with `definePlugin`;
   * `defaults`, `options` and the per-option part of `validate` are derived from it.
   */
  readonly schema?: OptionsSchema;
  /** The module that defines the plugin (`import.meta.url`): stage caches hash its code and local imports. */
  readonly module?: string;
  /** Throws a ConfigError naming the bad option, the bad value and the allowed range. */
  validate(config: C): void;
  /**
   * Builds a ready-to-use instance from a validated config. `context.registry` is the registry that
   * creates it: a plugin that builds on other plugins (a head trained with a loss) takes them from there.
   */
  create(config: C, context?: PluginContext): I | Promise<I>;
}
