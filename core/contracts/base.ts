/**
 * The shape every plugin shares, whatever its kind.
 * @module
 */

/** The five plugin kinds. */
export const PLUGIN_KINDS = ["backbone", "loss", "clusterer", "adapter", "scorer"] as const;
/** One of the five plugin kinds. */
export type PluginKind = typeof PLUGIN_KINDS[number];

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
  /** Every option with its default value. Unknown options are refused. */
  readonly defaults: C;
  /** One line of help per option, shown by `embedkit plugins` and `--help`. */
  readonly options: { readonly [P in keyof C]: string };
  /** Throws a ConfigError naming the bad option, the bad value and the allowed range. */
  validate(config: C): void;
  /** Builds a ready-to-use instance from a validated config. */
  create(config: C): I | Promise<I>;
}
