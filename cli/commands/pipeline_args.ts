/**
 * Parsing plugin specs on the command line for the pipeline commands:
 * `NAME`, `NAME:key=value,key=value` or `NAME:{"key": value}`; an optional `LABEL=` prefix names the
 * system in reports. For a plugin with declared options (`definePlugin`) each value is parsed by its
 * declaration (numbers, booleans, `a,b,c` lists, JSON) and a bad value is refused here, naming the
 * plugin, the option, the allowed range and the text given; for other plugins a value is parsed as JSON
 * when it parses, else kept as a string.
 * @module
 */
import type { PluginSpec } from "../../core/pipelines/stages/context.ts";
import type { OptionSpec, ParsedArgs } from "../common.ts";
import { UsageError } from "../common.ts";
import { registry } from "../../core/registry.ts";
import type { PluginDefinition } from "../../core/contracts/base.ts";
import type { Slot } from "../../core/contracts/slots.ts";
import { closest } from "../../core/config.ts";
import { type OptionDecl, parseOptionText } from "../../core/options.ts";

/** The registered plugin a spec names: in `slot` when given, else the one plugin of any kind with that name. */
function specPlugin(name: string, slot?: Slot): PluginDefinition | undefined {
  if (slot) return registry.has(slot, name) ? registry.get(slot, name) : undefined;
  const found = registry.list().filter((p) => p.def.name === name);
  return found.length === 1 ? found[0].def : undefined;
}

/** Option types whose text may hold commas (`a,b,c` lists, JSON). */
const LISTS = new Set(["numbers", "strings", "json"]);

/**
 * Splits `key=value,key=value` into pairs. A piece without `=` continues the previous value when that
 * option is a list or JSON (`pTargets=0.01,0.05`); anywhere else it is an error.
 */
function keyValues(text: string, body: string, decls?: Record<string, OptionDecl>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const kv of body.split(",")) {
    const i = kv.indexOf("=");
    const last = pairs.at(-1);
    if (i < 1 && last && LISTS.has(decls?.[last[0]]?.type ?? "")) last[1] += `,${kv}`;
    else if (i < 1) throw new UsageError(`plugin spec '${text}': expected key=value, got '${kv}'`);
    else pairs.push([kv.slice(0, i).trim(), kv.slice(i + 1).trim()]);
  }
  return pairs;
}

/** One option's value from its text: by its declaration when the plugin declares it, else JSON or a string. */
function optionValue(text: string, def: PluginDefinition | undefined, key: string, value: string): unknown {
  const decl = def?.schema?.[key];
  if (def?.schema && !decl) {
    const known = Object.keys(def.schema);
    const hint = closest(key, known);
    throw new UsageError(
      `plugin spec '${text}': ${def.kind} '${def.name}' has no option '${key}'${
        hint ? `; did you mean '${hint}'?` : ""
      } options: ${known.join(", ") || "(none)"}`,
    );
  }
  if (decl) {
    try {
      return parseOptionText(`${def!.kind} '${def!.name}' option '${key}'`, decl, value);
    } catch (e) {
      throw new UsageError(`plugin spec '${text}': ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Parses one plugin spec. `slot` (e.g. "backbone", "metric") says where to look the plugin up for its
 * option declarations; without it, a name that only one registered plugin has is looked up.
 */
export function parseSpec(text: string, slot?: Slot): PluginSpec {
  let label: string | undefined;
  let rest = text.trim();
  const eq = /^([^:={}]+)=(?=[a-z0-9])/.exec(rest);
  if (eq && !rest.slice(0, eq[0].length).includes(":")) {
    label = eq[1];
    rest = rest.slice(eq[0].length);
  }
  const colon = rest.indexOf(":");
  if (colon < 0) return { name: rest, ...(label ? { label } : {}) };
  const name = rest.slice(0, colon), body = rest.slice(colon + 1).trim();
  let options: Record<string, unknown> = {};
  if (body.startsWith("{")) {
    try {
      options = JSON.parse(body);
    } catch (e) {
      throw new UsageError(`plugin spec '${text}': options are not valid JSON (${(e as Error).message})`);
    }
  } else if (body) {
    const def = specPlugin(name, slot);
    for (const [k, v] of keyValues(text, body, def?.schema)) options[k] = optionValue(text, def, k, v);
  }
  return { name, options, ...(label ? { label } : {}) };
}

/** `--merge-locale`: Asterisk folders `<ll>_<CC>_<voice>` name one speaker per voice across locales. */
export function mergeLocale(speaker: string): string {
  return speaker.replace(/^[a-z]{2}_[A-Z]{2}_/, "");
}

/** `--ep`: the execution provider for every backbone that runs ONNX (an `ep` inside a spec wins). */
export const EP_OPTION: Record<string, OptionSpec> = {
  ep: {
    type: "string",
    help:
      "execution provider for ONNX backbones: auto|webgpu|wasm|node (node: run via 'deno task embedkit:native')",
  },
};

/** Parses backbone specs and gives `--ep` to those whose plugin has an `ep` option and does not set one. */
export function backboneSpecs(args: ParsedArgs, v: unknown): PluginSpec[] | undefined {
  const list = specs(v, "backbone");
  const ep = args.values.ep as string | undefined;
  if (!ep || !list) return list;
  return list.map((s) =>
    registry.has("backbone", s.name) && "ep" in registry.get("backbone", s.name).defaults &&
      s.options?.ep === undefined
      ? { ...s, options: { ...s.options, ep } }
      : s
  );
}

/** Parses a repeatable option into specs (undefined when absent); `slot` as in {@link parseSpec}. */
export function specs(v: unknown, slot?: Slot): PluginSpec[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map((s) => parseSpec(String(s), slot));
}

/** Input options of the diarization commands (after the AUDIO positional): precomputed embeddings instead. */
export const EMBEDDING_INPUT_OPTIONS: Record<string, OptionSpec> = {
  ark: { type: "string", help: "precomputed embeddings (Kaldi ark of vectors) instead of audio" },
  segments: { type: "string", help: "segments file for --ark: <key> <file> <start> <end>" },
};

/** Run options the diarization commands end with: seed, resumable work dir, RTTM and JSON outputs. */
export function runOptions(workDefault: string, rttmHelp: string): Record<string, OptionSpec> {
  return {
    seed: { type: "string", help: "seed", default: "1234" },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: workDefault },
    fresh: { type: "boolean", help: "recompute every stage" },
    rttm: { type: "string", help: rttmHelp },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  };
}

/** The diarization input: the AUDIO positional, or --ark with --segments; throws saying what is missing. */
export function embeddingInput(
  args: ParsedArgs,
): { audio?: string; embeddings?: { ark: string; segments: string } } {
  const audio = args.positionals[0];
  const ark = args.values.ark as string | undefined, seg = args.values.segments as string | undefined;
  if (!audio && !ark) throw new UsageError("give an audio file or --ark with --segments (see --help)");
  if (ark && !seg) throw new UsageError("--ark needs --segments <key> <file> <start> <end>");
  return ark ? { embeddings: { ark, segments: seg! } } : { audio };
}
