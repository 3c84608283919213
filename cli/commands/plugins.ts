/**
 * `embedkit plugins`: lists registered plugins with their role and options. For a plugin with declared
 * options (`definePlugin`) each option shows its name, default, help and what values it allows, all from
 * the one declaration; a plain-object plugin shows its defaults and help strings.
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit } from "../common.ts";
import { type RegisteredPlugin, registry } from "../../core/registry.ts";
import { PLUGIN_KINDS, type PluginKind } from "../../core/contracts/base.ts";
import { allowedText } from "../../core/options.ts";

/** One option as listed: its default and help, and for declared options their type and allowed values. */
interface ListedOption {
  default: unknown;
  help: string;
  type?: string;
  allowed?: string;
}

/** A plugin's options as listed, in declaration order. */
function listedOptions({ def }: RegisteredPlugin): Record<string, ListedOption> {
  const help = def.options as Record<string, string>;
  return Object.fromEntries(
    Object.entries(def.defaults as Record<string, unknown>).map(([k, v]) => {
      const d = def.schema?.[k];
      return [
        k,
        d
          ? { default: v, help: d.help, type: d.type, allowed: allowedText(d) }
          : { default: v, help: help[k] },
      ];
    }),
  );
}

/** The role shown for a plugin (a plain-object scorer names its role on the instance it creates). */
function roleText(p: RegisteredPlugin): string {
  return p.role ?? "role set by its instance";
}

export const pluginsCommand: Command = {
  summary: "list registered plugins (built-in and --plugin) with their roles and options",
  usage: "[--kind KIND] [--json]",
  options: {
    kind: { type: "string", help: `only this kind (${PLUGIN_KINDS.join(", ")})` },
    json: { type: "boolean", help: "print JSON instead of text" },
    out: { type: "string", help: "write to this file (atomically) instead of stdout" },
  },
  run(args) {
    const kind = args.values.kind as PluginKind | undefined;
    if (kind && !PLUGIN_KINDS.includes(kind)) {
      throw new UsageError(`--kind must be one of ${PLUGIN_KINDS.join(", ")}`);
    }
    const list = registry.list(kind);
    if (args.values.json) {
      return emit(
        args,
        JSON.stringify(
          list.map((p) => ({
            kind: p.def.kind,
            ...(p.role ? { role: p.role } : {}),
            name: p.def.name,
            description: p.def.description,
            source: p.source,
            options: listedOptions(p),
          })),
          null,
          2,
        ),
      );
    }
    const lines: string[] = [];
    for (const k of kind ? [kind] : PLUGIN_KINDS) {
      lines.push(`${k === "loss" ? "losses" : `${k}s`}:`);
      for (const p of list.filter((q) => q.def.kind === k)) {
        const from = p.source === "built-in" ? "" : `  [${p.source}]`;
        lines.push(`  ${p.def.name.padEnd(22)} (${roleText(p)}) ${p.def.description}${from}`);
        for (const [name, o] of Object.entries(listedOptions(p))) {
          const allowed = o.allowed ? `  [${o.allowed}]` : "";
          lines.push(`      --${name}=${JSON.stringify(o.default)}  ${o.help}${allowed}`);
        }
      }
    }
    return emit(args, lines.join("\n"));
  },
};
