/**
 * `deno task embedkit <command> [options]`: the embedkit command line.
 * @module
 */
import "../plugins/mod.ts";
import { commands } from "./commands/mod.ts";
import { closest } from "../core/config.ts";
import { helpText, loadPluginsFromArgs, parseCommandArgs } from "./common.ts";

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
    await loadPluginsFromArgs(args);
    return (await cmd.run(args)) ?? 0;
  } catch (e) {
    console.error(`embedkit ${name}: ${(e as Error).message}`);
    if (Deno.env.get("EMBEDKIT_DEBUG")) console.error((e as Error).stack);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
