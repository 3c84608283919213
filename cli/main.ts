/**
 * `deno task embedkit <command> [options]` (or `embedkit ...` once installed): the embedkit command line.
 * Exit codes: 0 success; 2 the command line is wrong (unknown command or option, a value out of range, a
 * missing argument: {@link UsageError}); 1 an error found while running (bad input file, plugin failure).
 * @module
 */
import "../plugins/mod.ts";
import { commands } from "./commands/mod.ts";
import { closest } from "../core/config.ts";
import { helpText, loadPluginsFromArgs, parseCommandArgs, UsageError } from "./common.ts";

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    const width = Math.max(...Object.keys(commands).map((k) => k.length));
    console.log(
      [
        "embedkit: embeddings for speaker recognition and retrieval",
        "",
        "usage: deno task embedkit <command> [options]   (each command has --help)",
        "",
        "commands:",
        ...Object.entries(commands).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`),
      ].join("\n"),
    );
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    const hint = closest(name, Object.keys(commands));
    console.error(
      `unknown command '${name}'${hint ? `; did you mean '${hint}'?` : ""} commands: ${
        Object.keys(commands).join(", ")
      }`,
    );
    return 2;
  }
  try {
    const args = parseCommandArgs(name, cmd, rest);
    if (args.values.help) {
      console.log(helpText(name, cmd));
      return 0;
    }
    if (name === "models" && (args.values.plugin as string[] | undefined)?.length) {
      // the models task is the only one with network access: no third-party code runs there
      throw new UsageError("models does not load --plugin modules (it is the command with network access)");
    }
    await loadPluginsFromArgs(args);
    return (await cmd.run(args)) ?? 0;
  } catch (e) {
    console.error(`embedkit ${name}: ${(e as Error).message}${permissionHint(e)}`);
    if (debug()) console.error((e as Error).stack);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** What the scoped permissions allow, appended to a refused write / env / net / ffi access. */
function permissionHint(e: unknown): string {
  if ((e as Error)?.name !== "NotCapable") return "";
  const m = (e as Error).message;
  if (m.includes("write access")) {
    return "\nembedkit writes only under the folder you run it from, out/, .cache/ and /tmp, and never into " +
      "the checkout's own files (README, 'Permissions'); pick an --out/--work there";
  }
  if (m.includes("net access")) return "\nonly 'deno task models' has network access (the zoo hosts)";
  return "\nthe tasks grant only what embedkit needs (README, 'Permissions')";
}

function debug(): boolean {
  try {
    return Boolean(Deno.env.get("EMBEDKIT_DEBUG"));
  } catch {
    return false;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
