/**
 * Command-line parsing for every embedkit command: GNU-style `--name value` / `--name=value` options,
 * `-h`, `--` ends options. Replaces node:util parseArgs so that every problem is a {@link UsageError}
 * (exit code 2) that names the option, what is allowed and the value given, with a did-you-mean for a
 * misspelt option name (Levenshtein, as the registry's plugin names) and a pointer to `--help`.
 *
 * Conventions (one table for every command, so an option name means the same thing everywhere):
 * - {@link NUMBER_OPTIONS}: numeric options with their range; values are checked when parsed.
 * - {@link CHOICE_OPTIONS}: options with a closed set of values.
 * - {@link PATH_OPTIONS}: path-valued options; relative paths a user types resolve from the caller's
 *   folder (`INIT_CWD`, which `deno task` sets) instead of the project folder the task runs in. Defaults
 *   stay relative to the project (`out/...`).
 * A command can override an entry with `number`, `choices` or `path` on its {@link OptionSpec}.
 * @module
 */
import { closest } from "../core/config.ts";
import { PLUGIN_KINDS } from "../core/contracts/base.ts";
import { isAbsolute, resolve } from "node:path";

/** Bounds of a numeric option. */
export interface NumberBounds {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** min itself is not allowed (x > min). */
  readonly minExclusive?: boolean;
  /** max itself is not allowed (x < max). */
  readonly maxExclusive?: boolean;
  /** Comma-separated list of such numbers. */
  readonly list?: boolean;
  /** Unit for messages and help ("s", "Hz"). */
  readonly unit?: string;
}

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly help: string;
  readonly default?: string | boolean;
  readonly multiple?: boolean;
  readonly short?: string;
  /** Numeric bounds (else looked up by name in {@link NUMBER_OPTIONS}). */
  readonly number?: NumberBounds;
  /** Allowed values (else looked up by name in {@link CHOICE_OPTIONS}). */
  readonly choices?: readonly string[];
  /** The value is a file or folder path (else looked up by name in {@link PATH_OPTIONS}). */
  readonly path?: boolean;
}

/** Parsed values plus positionals. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** The command line itself is wrong (unknown command or option, bad value, missing argument): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const POS_INT: NumberBounds = { integer: true, min: 1 };
const SECONDS_POS: NumberBounds = { min: 0, minExclusive: true, unit: "s" };

/** Numeric options by name, shared by every command. */
export const NUMBER_OPTIONS: Readonly<Record<string, NumberBounds>> = {
  seed: { integer: true, min: 0, max: 4294967295 },
  "sample-rate": { integer: true, min: 1000, max: 384000, unit: "Hz" },
  "max-seconds": SECONDS_POS,
  "seg-seconds": SECONDS_POS,
  window: SECONDS_POS,
  step: SECONDS_POS,
  collar: { min: 0, unit: "s" },
  speakers: POS_INT,
  "target-per-speaker": POS_INT,
  "k-shot": { integer: true, min: 0 },
  context: { integer: true, min: 0 },
  iterations: POS_INT,
  epochs: POS_INT,
  crops: POS_INT,
  "batch-size": POS_INT,
  "embed-dim": POS_INT,
  "mel-bins": { integer: true, min: 1, max: 1024 },
  lr: { min: 0, minExclusive: true },
  "loss-ratio": { min: 0, max: 1, minExclusive: true },
  "nontarget-ratio": { min: 0, minExclusive: true },
  "p-target": { min: 0, max: 1, minExclusive: true, maxExclusive: true, list: true },
  channels: { ...POS_INT, list: true },
  kernels: { ...POS_INT, list: true },
  dilations: { ...POS_INT, list: true },
  dims: { ...POS_INT, list: true },
  "transform-domains": { integer: true, min: 0, list: true },
};

/** Options with a closed set of values, shared by every command. */
export const CHOICE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  ep: ["auto", "webgpu", "wasm", "node"],
  device: ["auto", "wasm", "webgpu"],
  "collar-convention": ["md-eval", "pyannote"],
  mode: ["speaker", "head", "tdnn"],
  drlm: ["dnn", "conformer"],
  kind: PLUGIN_KINDS,
};

/** Path-valued options, shared by every command. */
export const PATH_OPTIONS: ReadonlySet<string> = new Set([
  "out",
  "work",
  "model-out",
  "rttm",
  "ref",
  "sys",
  "uem",
  "trials",
  "reference",
  "ark",
  "segments",
  "source",
  "target",
  "shared",
  "dir",
  "det-svg",
  "write-trials",
  "model",
  "plugin",
  "db",
  "data",
]);

/** Options whose values are plugin specs (NAME:key=value,...): relative file values inside are resolved. */
const SPEC_OPTIONS = new Set([
  "backbone",
  "backend",
  "clusterer",
  "adapter",
  "scorer",
  "normalize",
  "calibrate",
  "fusion",
  "loss",
]);

/**
 * Commands whose positionals are all paths (resolved from the caller's folder). Commands not listed
 * (models, plugins, speakers: subcommands and names mixed with files) resolve their file arguments
 * themselves with {@link resolveUserPath}.
 */
export const PATH_POSITIONALS: ReadonlySet<string> = new Set([
  "verify",
  "diarize",
  "ssl-diarize",
  "train",
  "ir-eval",
  "score-metrics",
  "embed",
  "pseudo-label",
  "ckm-adapt",
]);

/** Bounds that apply to option `name` of a command. */
export function boundsOf(name: string, spec?: OptionSpec): NumberBounds | undefined {
  return spec?.number ?? NUMBER_OPTIONS[name];
}

/** "an integer in [1, 1024]", "a number > 0 (s)", ... */
export function describeBounds(b: NumberBounds): string {
  const what = b.integer ? "an integer" : "a number";
  const lo = b.min === undefined ? undefined : `${b.minExclusive ? ">" : ">="} ${b.min}`;
  const hi = b.max === undefined ? undefined : `${b.maxExclusive ? "<" : "<="} ${b.max}`;
  let range: string;
  if (lo && hi && !b.minExclusive && !b.maxExclusive) range = ` in [${b.min}, ${b.max}]`;
  else range = [lo, hi].filter(Boolean).map((s) => ` ${s}`).join(" and");
  return `${b.list ? "comma-separated list of " : ""}${what}${range}${b.unit ? ` (${b.unit})` : ""}`;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses and checks one numeric option value; throws a UsageError naming the option, the range and the value. */
export function checkNumber(name: string, raw: string, b: NumberBounds): number[] {
  const parts = b.list ? raw.split(",").map((s) => s.trim()) : [raw.trim()];
  return parts.map((p) => {
    const v = NUMBER_RE.test(p) ? Number(p) : NaN;
    const ok = Number.isFinite(v) && (!b.integer || Number.isInteger(v)) &&
      (b.min === undefined || (b.minExclusive ? v > b.min : v >= b.min)) &&
      (b.max === undefined || (b.maxExclusive ? v < b.max : v <= b.max));
    if (!ok) {
      const item = b.list && parts.length > 1 ? ` (item '${p}')` : "";
      throw new UsageError(`--${name} must be ${describeBounds(b)}, got '${raw}'${item}`);
    }
    return v;
  });
}

/** The folder relative paths on the command line are relative to: `INIT_CWD` (deno task) or the cwd. */
export function callerDir(): string {
  let init: string | undefined;
  try {
    init = Deno.env.get("INIT_CWD");
  } catch { /* no env permission: the cwd */ }
  return init && isAbsolute(init) ? init : Deno.cwd();
}

/** Resolves a user-typed path against the caller's folder (absolute, URL and `zoo:`-style values unchanged). */
export function resolveUserPath(p: string, base = callerDir()): string {
  if (!p || isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p)) return p;
  return base === Deno.cwd() ? p : resolve(base, p);
}

function existsSync(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** `model=out/m.onnx` inside a plugin spec: resolved from the caller's folder when the file exists there. */
export function resolveSpecPaths(spec: string, base = callerDir()): string {
  if (base === Deno.cwd()) return spec;
  const colon = spec.indexOf(":");
  if (colon < 0) return spec;
  const body = spec.slice(colon + 1);
  if (body.trim().startsWith("{")) return spec;
  const parts = body.split(",").map((kv) => {
    const i = kv.indexOf("=");
    if (i < 1) return kv;
    const v = kv.slice(i + 1).trim();
    if (!v || isAbsolute(v) || /^[a-z][a-z0-9+.-]*:/i.test(v) || !/[/.]/.test(v)) return kv;
    const abs = resolve(base, v);
    return existsSync(abs) ? `${kv.slice(0, i)}=${abs}` : kv;
  });
  return `${spec.slice(0, colon + 1)}${parts.join(",")}`;
}

/** Checks one option value against its table entries; returns the (possibly path-resolved) value. */
function checkValue(cmd: string, name: string, spec: OptionSpec, raw: string): string {
  const b = boundsOf(name, spec);
  if (b) checkNumber(name, raw, b);
  const choices = spec.choices ?? CHOICE_OPTIONS[name];
  if (choices && !choices.includes(raw)) {
    const hint = closest(raw, choices);
    throw new UsageError(
      `--${name} must be one of ${choices.join(", ")}, got '${raw}'${
        hint ? `; did you mean '${hint}'?` : ""
      }`,
    );
  }
  if (spec.path ?? PATH_OPTIONS.has(name)) {
    if (name === "plugin" || name === "model") {
      return existsSync(resolveUserPath(raw)) ? resolveUserPath(raw) : raw;
    }
    return resolveUserPath(raw);
  }
  if (SPEC_OPTIONS.has(name)) return resolveSpecPaths(raw);
  void cmd;
  return raw;
}

/**
 * Parses argv against a command's options. Unknown options, missing values, values out of range and
 * values of boolean flags are {@link UsageError}s whose message ends with a pointer to `--help`.
 */
export function parseArgv(
  cmd: string,
  options: Record<string, OptionSpec>,
  argv: readonly string[],
): ParsedArgs {
  const help = `run 'embedkit ${cmd} --help' for the options`;
  const fail = (msg: string): never => {
    throw new UsageError(`${msg}\n${help}`);
  };
  const shorts = new Map(Object.entries(options).filter(([, o]) => o.short).map(([k, o]) => [o.short!, k]));
  const values: Record<string, string | boolean | string[] | undefined> = {};
  const positionals: string[] = [];
  const pathPositionals = PATH_POSITIONALS.has(cmd);
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined, inline: string | undefined;
    if (tok.startsWith("--")) {
      const eq = tok.indexOf("=");
      name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
      inline = eq < 0 ? undefined : tok.slice(eq + 1);
    } else if (/^-[A-Za-z]$/.test(tok)) {
      name = shorts.get(tok.slice(1));
      if (!name) fail(`unknown option '${tok}'`);
    } else {
      positionals.push(pathPositionals ? resolveUserPath(tok) : tok);
      continue;
    }
    const spec = options[name!];
    if (!spec) {
      const hint = closest(name!, Object.keys(options));
      fail(`unknown option '--${name}'${hint ? `; did you mean '--${hint}'?` : ""}`);
    }
    if (spec.type === "boolean") {
      if (inline !== undefined) fail(`--${name} is a flag and takes no value (got '--${name}=${inline}')`);
      values[name!] = true;
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        fail(
          `--${name} needs a value${
            next ? ` (got option '${next}'; write --${name}=${next} if that is the value)` : ""
          }`,
        );
      }
      raw = next;
      i++;
    }
    let v: string;
    try {
      v = checkValue(cmd, name!, spec, raw!);
    } catch (e) {
      if (e instanceof UsageError) fail(e.message);
      throw e;
    }
    if (spec.multiple) values[name!] = [...((values[name!] as string[] | undefined) ?? []), v!];
    else values[name!] = v!;
  }
  for (const [k, o] of Object.entries(options)) {
    if (values[k] === undefined && o.default !== undefined) values[k] = o.default;
  }
  return { values, positionals };
}
