/**
 * `definePlugin`: a plugin whose options are declared once (type, default, bounds, help, see
 * core/options.ts). Its `defaults`, `options` help, per-option validation and config type are derived,
 * so the result is an ordinary {@link PluginDefinition} the registry, the CLI and `embedkit plugins`
 * read like any other. The plain-object form (`defaults` + `options` help + `validate`) keeps working.
 *
 * ```ts
 * export default definePlugin({
 *   kind: "scorer", role: "score", name: "neg-euclidean", module: import.meta.url,
 *   description: "minus the Euclidean distance",
 *   options: { scale: opt.number(1, "distances are divided by this", { gt: 0 }) },
 *   create: (c) => ({ role: "score", score: (e, t, trials) => ... }),
 * });
 * ```
 * @module
 */
import type { PluginContext, PluginDefinition, PluginKind, PluginRole } from "./contracts/base.ts";
import { type ConfigOf, defaultsOf, helpOf, type OptionsSchema, validateConfig } from "./options.ts";

export { type ConfigOf, opt, type OptionDecl, type OptionsSchema } from "./options.ts";

/** What {@link definePlugin} takes. */
export interface PluginDeclaration<K extends PluginKind, S extends OptionsSchema, I> {
  /** Which contract the plugin satisfies. */
  readonly kind: K;
  /** Its job within the kind (scorers must say). */
  readonly role?: PluginRole<K>;
  /** Registry name, lower-case with dashes. */
  readonly name: string;
  /** One line shown by `embedkit plugins`. */
  readonly description: string;
  /** `import.meta.url` of the defining module (for cache keys over the plugin's code). */
  readonly module?: string;
  /** Every option, declared once. */
  readonly options: S;
  /**
   * Checks that involve several options (per-option bounds are checked already). `component` is the
   * plugin's label for error messages, `kind 'name'` (as ConfigError expects it).
   */
  validate?(config: ConfigOf<S>, component: string): void;
  /**
   * Builds a ready instance from a validated config (`context.registry` gives the plugins it builds on;
   * `component` as for `validate`).
   */
  create(config: ConfigOf<S>, context: PluginContext | undefined, component: string): I | Promise<I>;
}

/** Builds a plugin definition from declared options. */
export function definePlugin<K extends PluginKind, const S extends OptionsSchema, I>(
  d: PluginDeclaration<K, S, I>,
): PluginDefinition<K, ConfigOf<S>, I> {
  const component = `${d.kind} '${d.name}'`;
  const cross = d.validate;
  return {
    kind: d.kind,
    name: d.name,
    description: d.description,
    ...(d.role ? { role: d.role } : {}),
    ...(d.module ? { module: d.module } : {}),
    schema: d.options,
    defaults: defaultsOf(d.options),
    options: helpOf(d.options) as { readonly [P in keyof ConfigOf<S>]: string },
    validate(config: ConfigOf<S>): void {
      validateConfig(component, d.options, config);
      cross?.call(d, config, component);
    },
    create: (config: ConfigOf<S>, context?: PluginContext) => d.create(config, context, component),
  };
}
