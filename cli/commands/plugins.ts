/**
 * `embedkit plugins`: lists registered plugins with their options.
 * @module
 */
import type { Command } from "../common.ts";
import { emit } from "../common.ts";
import { registry } from "../../core/registry.ts";
import { PLUGIN_KINDS, type PluginKind } from "../../core/contracts/base.ts";

export const pluginsCommand: Command = {
  summary: "list registered plugins (built-in and --plugin) with their options",
  usage: "[--kind KIND] [--json]",
  options: {
    kind: { type: "string", help: `only this kind (${PLUGIN_KINDS.join(", ")})` },
    json: { type: "boolean", help: "print JSON instead of text" },
    out: { type: "string", help: "write to this file (atomically) instead of stdout" },
  },
  run(args) {
    const kind = args.values.kind as PluginKind | undefined;
    if (kind && !PLUGIN_KINDS.includes(kind)) {
      throw new Error(`--kind must be one of ${PLUGIN_KINDS.join(", ")}`);
    }
    const list = registry.list(kind);
    if (args.values.json) {
      return emit(
        args,
        JSON.stringify(
          list.map(({ def, source }) => ({
            kind: def.kind,
            name: def.name,
            description: def.description,
            source,
            options: Object.fromEntries(
              Object.entries(def.defaults).map((
                [k, v],
              ) => [k, { default: v, help: (def.options as Record<string, string>)[k] }]),
            ),
          })),
          null,
          2,
        ),
      );
    }
    const lines: string[] = [];
    for (const k of kind ? [kind] : PLUGIN_KINDS) {
      lines.push(`${k === "loss" ? "losses" : `${k}s`}:`);
      for (const { def, source } of list.filter((p) => p.def.kind === k)) {
        lines.push(
          `  ${def.name.padEnd(22)} ${def.description}${source === "built-in" ? "" : `  [${source}]`}`,
        );
        for (const [opt, v] of Object.entries(def.defaults)) {
          lines.push(`      --${opt}=${JSON.stringify(v)}  ${(def.options as Record<string, string>)[opt]}`);
        }
      }
    }
    return emit(args, lines.join("\n"));
  },
};
