/**
 * Parsing plugin specs on the command line for the pipeline commands:
 * `NAME`, `NAME:key=value,key=value` (values parsed as JSON when they parse, else strings) or
 * `NAME:{"key": value}`; an optional `LABEL=` prefix names the system in reports.
 * @module
 */
import type { PluginSpec } from "../../core/pipelines/common.ts";
import type { OptionSpec, ParsedArgs } from "../common.ts";
import { registry } from "../../core/registry.ts";

/** Parses one plugin spec. */
export function parseSpec(text: string): PluginSpec {
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
      throw new Error(`plugin spec '${text}': options are not valid JSON (${(e as Error).message})`);
    }
  } else if (body) {
    for (const kv of body.split(",")) {
      const i = kv.indexOf("=");
      if (i < 1) throw new Error(`plugin spec '${text}': expected key=value, got '${kv}'`);
      const k = kv.slice(0, i).trim(), v = kv.slice(i + 1).trim();
      try {
        options[k] = JSON.parse(v);
      } catch {
        options[k] = v;
      }
    }
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
  const list = specs(v);
  const ep = args.values.ep as string | undefined;
  if (!ep || !list) return list;
  return list.map((s) =>
    registry.has("backbone", s.name) && "ep" in registry.get("backbone", s.name).defaults &&
      s.options?.ep === undefined
      ? { ...s, options: { ...s.options, ep } }
      : s
  );
}

/** Parses a repeatable option into specs (undefined when absent). */
export function specs(v: unknown): PluginSpec[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map((s) => parseSpec(String(s)));
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
  if (!audio && !ark) throw new Error("give an audio file or --ark with --segments (see --help)");
  if (ark && !seg) throw new Error("--ark needs --segments <key> <file> <start> <end>");
  return ark ? { embeddings: { ark, segments: seg! } } : { audio };
}
