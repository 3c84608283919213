/**
 * Shared CLI plumbing: argument parsing (cli/args.ts: ranges, did-you-mean, caller-relative paths),
 * --help, plugin loading flags, atomic --out. Exit codes (cli/main.ts): 2 for a wrong command line
 * ({@link UsageError}), 1 for an error found while running.
 * @module
 */
import { loadPluginModule } from "../core/loader.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import {
  boundsOf,
  checkNumber,
  describeBounds,
  type OptionSpec,
  parseArgv,
  type ParsedArgs,
  UsageError,
} from "./args.ts";

export { callerDir, resolveUserPath, UsageError } from "./args.ts";
export type { NumberBounds, OptionSpec, ParsedArgs } from "./args.ts";

/** A CLI command: a summary, its options and what it does. */
export interface Command {
  readonly summary: string;
  readonly usage?: string;
  readonly options: Record<string, OptionSpec>;
  run(args: ParsedArgs): Promise<number | void>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h", help: "show this help" },
  plugin: { type: "string", multiple: true, help: "load a plugin module from a path or URL (repeatable)" },
  override: { type: "boolean", help: "let --plugin replace a registered plugin of the same name" },
  "allow-remote-plugin": { type: "boolean", help: "allow --plugin to be an http(s) URL (needs --integrity)" },
  integrity: { type: "string", help: "sha256-<base64> or sha256:<hex> of a remote plugin's source" },
};

/** Formats `--help` for a command. */
export function helpText(name: string, cmd: Command): string {
  const all = { ...cmd.options, ...COMMON_OPTIONS };
  const lines = [
    `embedkit ${name}: ${cmd.summary}`,
    "",
    `usage: deno task embedkit ${name} ${cmd.usage ?? "[options]"}`,
    "",
    "options:",
  ];
  for (const [k, o] of Object.entries(all)) {
    const flag = `  --${k}${o.type === "string" ? " VALUE" : ""}`;
    const def = o.default !== undefined ? ` (default: ${o.default})` : "";
    const b = boundsOf(k, o);
    const range = b ? ` [${describeBounds(b)}]` : "";
    lines.push(`${flag.padEnd(30)} ${o.help}${range}${def}`);
  }
  return lines.join("\n");
}

/**
 * Parses argv for a command (cli/args.ts): unknown options get a did-you-mean, numeric options are
 * checked against their range, relative paths resolve from the caller's folder; every problem is a
 * {@link UsageError} (exit code 2) that points at --help.
 */
export function parseCommandArgs(name: string, cmd: Command, argv: string[]): ParsedArgs {
  return parseArgv(name, { ...cmd.options, ...COMMON_OPTIONS }, argv);
}

/** Loads every --plugin given. */
export async function loadPluginsFromArgs(args: ParsedArgs): Promise<void> {
  for (const spec of (args.values.plugin as string[] | undefined) ?? []) {
    await loadPluginModule(spec, {
      override: Boolean(args.values.override),
      allowRemote: Boolean(args.values["allow-remote-plugin"]),
      integrity: args.values.integrity as string | undefined,
    });
  }
}

/** Writes a result to --out atomically, or to stdout. */
export async function emit(args: ParsedArgs, text: string): Promise<void> {
  const out = args.values.out as string | undefined;
  if (out) await writeFileAtomic(out, text.endsWith("\n") ? text : text + "\n");
  else console.log(text);
}

/**
 * A number option (checked against its bounds when it has any, else only that it is a finite number);
 * undefined when absent.
 */
export function numberOpt(args: ParsedArgs, name: string): number | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  const b = boundsOf(name);
  return checkNumber(name, String(v), b && !b.list ? b : {})[0];
}

/** A comma-separated number list option, checked against its bounds; undefined when absent. */
export function numberListOpt(args: ParsedArgs, name: string): number[] | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  return checkNumber(name, String(v), { ...boundsOf(name), list: true });
}

/** Throws the {@link UsageError} for a missing required argument, pointing at --help. */
export function usage(command: string, message: string): never {
  throw new UsageError(`${message}\nrun 'embedkit ${command} --help' for the options`);
}
