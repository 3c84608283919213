/**
 * Shared CLI plumbing: argument parsing (via the `#std/cli` alias), --help, plugin loading flags,
 * atomic --out.
 * @module
 */
import { parseArgs as nodeParseArgs } from "#std/cli";
import { loadPluginModule } from "../core/loader.ts";
import { writeFileAtomic } from "../core/atomic.ts";

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly help: string;
  readonly default?: string | boolean;
  readonly multiple?: boolean;
  readonly short?: string;
}

/** A CLI command: a summary, its options and what it does. */
export interface Command {
  readonly summary: string;
  readonly usage?: string;
  readonly options: Record<string, OptionSpec>;
  run(args: ParsedArgs): Promise<number | void>;
}

/** Parsed values plus positionals. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
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
    lines.push(`${flag.padEnd(30)} ${o.help}${def}`);
  }
  return lines.join("\n");
}

/** Parses argv for a command; unknown flags are an error that points at --help. */
export function parseCommandArgs(name: string, cmd: Command, argv: string[]): ParsedArgs {
  const all = { ...cmd.options, ...COMMON_OPTIONS };
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string; default?: string | boolean }
  > = {};
  for (const [k, o] of Object.entries(all)) {
    options[k] = {
      type: o.type,
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.short ? { short: o.short } : {}),
    };
    if (o.default !== undefined) options[k].default = o.default;
  }
  try {
    const r = nodeParseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs["values"], positionals: r.positionals };
  } catch (e) {
    throw new Error(`${(e as Error).message}\nrun 'deno task embedkit ${name} --help' for the options`);
  }
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

/** A number option, with a clear error if it does not parse. */
export function numberOpt(args: ParsedArgs, name: string): number | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
}
