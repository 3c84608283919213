/**
 * Error types that carry the fix in their message.
 * @module
 */

/** A configuration value is invalid; the message says which option and what is allowed. */
export class ConfigError extends Error {
  /** `component` names the plugin or module whose config is wrong. */
  constructor(readonly component: string, message: string) {
    super(`${component}: ${message}`);
    this.name = "ConfigError";
  }
}

/** Input data (a file, a list) is malformed; the message names the file and line. */
export class InputError extends Error {
  /** `file` and `line` locate the bad input. */
  constructor(readonly file: string, message: string, readonly line?: number) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${message}`);
    this.name = "InputError";
  }
}

/** A plugin threw or returned malformed output; the message names the plugin. */
export class PluginError extends Error {
  /** `kind` and `plugin` name the misbehaving plugin. */
  constructor(readonly kind: string, readonly plugin: string, message: string, options?: ErrorOptions) {
    super(`${kind} plugin '${plugin}': ${message}`, options);
    this.name = "PluginError";
  }
}
